-- Shared by the scenario scripts: thread numbering and a machine-readable
-- summary. bench/run greps the line starting with "BENCHJSON ".
--
-- Each script pre-formats its requests in init() and request() only picks
-- the next one, so the load generator does the same small amount of work
-- per request against Gatehouse and against the baseline.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

-- env returns the environment variable name or fails loudly.
function env(name)
   local v = os.getenv(name)
   if v == nil or v == "" then
      error(name .. " is not set")
   end
   return v
end

-- rotate makes request() cycle through reqs, starting each thread at a
-- different offset so that threads do not send the same request at once.
-- request must be a global function when the script loads: wrk decides
-- then whether requests are dynamic.
local reqs, n, i = {}, 0, 0

function rotate(list)
   reqs, n = list, #list
   assert(n > 0, "no requests")
   i = ((id or 0) * 7919) % n
end

function request()
   i = i % n + 1
   return reqs[i]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
      '"latency_mean_us":%.1f,"latency_p50_us":%d,"latency_p90_us":%d,"latency_p99_us":%d,"latency_max_us":%d}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
