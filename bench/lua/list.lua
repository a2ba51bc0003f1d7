-- list: GET /v1/customers/?query=NAME&limit=100 with the organization
-- token $BENCH_ORG_TOKEN, rotating over last names the seed gives to one
-- customer in 50 (internal/seed/names.go): every query scans the
-- organization's customers, counts the matches and returns a full page.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local names = { "lovelace", "turing", "dijkstra", "hopper", "knuth", "ritchie", "lamport", "wirth",
   "torvalds", "shannon", "hamilton", "perlman", "stroustrup", "backus", "engelbart", "iverson" }

function init(args)
   local headers = {
      ["Authorization"] = "Bearer " .. env("BENCH_ORG_TOKEN"),
      ["Accept"] = "application/json",
   }
   local reqs = {}
   for i, n in ipairs(names) do
      reqs[i] = wrk.format("GET", "/v1/customers/?query=" .. n .. "&limit=100", headers)
   end
   rotate(reqs)
end
