-- create: POST /v1/customer-sessions/ for random seeded customers, by
-- external ID (the seed numbers customers seed-0000000 .. seed-N-1), with
-- the organization token $BENCH_ORG_TOKEN. $BENCH_CUSTOMERS is N.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

function init(args)
   local customers = tonumber(env("BENCH_CUSTOMERS"))
   local headers = {
      ["Authorization"] = "Bearer " .. env("BENCH_ORG_TOKEN"),
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
   }
   math.randomseed(os.time() + (id or 0) * 1000003)
   local reqs = {}
   for i = 1, 20000 do
      local body = string.format(
         '{"external_customer_id":"seed-%07d","return_url":"https://example.com/account"}',
         math.random(0, customers - 1))
      reqs[i] = wrk.format("POST", "/v1/customer-sessions/", headers, body)
   end
   rotate(reqs)
end
