-- check: GET /v1/customer-portal/customers/me, each request with the next
-- of the customer-session tokens listed in $BENCH_TOKENS (one per line).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

function init(args)
   local reqs = {}
   for tok in io.lines(env("BENCH_TOKENS")) do
      if tok ~= "" then
         reqs[#reqs + 1] = wrk.format("GET", "/v1/customer-portal/customers/me",
            { ["Authorization"] = "Bearer " .. tok, ["Accept"] = "application/json" })
      end
   end
   rotate(reqs)
end
