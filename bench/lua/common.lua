-- Shared by the scenario scripts in this folder (loaded with dofile by each).
--
-- wrk runs every script in one Lua state per thread plus a main state:
--   setup(thread)  main state, once per thread: numbers the threads;
--   init(args)     each thread: the scenario's init() calls bench.init();
--   request()      each thread, per request (only scenarios whose body changes);
--   response(...)  each thread, per response: counts every status but 200;
--   done(...)      main state, at the end: prints one "BENCH_RESULT {json}"
--                  line that bench/run collects.
--
-- Environment (set by bench/run):
--   BENCH_SCENARIO   name printed in the result line
--   BENCH_DATA       folder with client_id.txt, users.txt, access.txt, refresh.txt

bench = {}

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("thread_id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

function bench.read_lines(name)
   local dir = os.getenv("BENCH_DATA") or "."
   local path = dir .. "/" .. name
   local f = assert(io.open(path, "r"), "cannot open " .. path)
   local lines = {}
   for line in f:lines() do
      if line ~= "" then lines[#lines + 1] = line end
   end
   f:close()
   assert(#lines > 0, path .. " is empty")
   return lines
end

function bench.read_one(name)
   return bench.read_lines(name)[1]
end

-- The request line and headers every cognito-idp call shares.
function bench.init(op)
   wrk.method = "POST"
   wrk.path = "/"
   wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
   wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService." .. op
   -- thread_id was set by setup() before init() runs
   thread_id = thread_id or 0
   math.randomseed(os.time() * 1000 + thread_id * 7919 + math.floor(os.clock() * 1e6))
end

-- Minimal JSON string escaping (usernames and tokens are plain ASCII, but
-- error bodies echoed into the result may contain anything).
function bench.q(s)
   s = tostring(s)
   s = s:gsub('[%c"\\]', function(c)
      if c == '"' then return '\\"' end
      if c == "\\" then return "\\\\" end
      if c == "\n" then return "\\n" end
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

-- Per-thread counters, read back in done() with thread:get().
non200 = 0
status_counts = {}
first_error = nil

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      local k = tostring(status)
      status_counts[k] = (status_counts[k] or 0) + 1
      if first_error == nil then
         first_error = k .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

function done(summary, latency, requests)
   local bad, statuses, first = 0, {}, nil
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non200") or 0)
      local sc = t:get("status_counts") or {}
      for k, v in pairs(sc) do statuses[k] = (statuses[k] or 0) + v end
      if first == nil then first = t:get("first_error") end
   end
   local st = {}
   for k, v in pairs(statuses) do st[#st + 1] = bench.q(k) .. ":" .. v end
   local e = summary.errors
   local secs = summary.duration / 1e6
   local out = {
      '"scenario":' .. bench.q(os.getenv("BENCH_SCENARIO") or "?"),
      '"duration_s":' .. string.format("%.3f", secs),
      '"requests":' .. summary.requests,
      '"rps":' .. string.format("%.1f", summary.requests / secs),
      '"ok_rps":' .. string.format("%.1f", (summary.requests - bad) / secs),
      '"non200":' .. bad,
      '"non200_by_status":{' .. table.concat(st, ",") .. '}',
      '"first_error":' .. (first and bench.q(first) or "null"),
      string.format('"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d}',
         e.connect, e.read, e.write, e.timeout),
      string.format('"latency_us":{"mean":%.0f,"stdev":%.0f,"min":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}',
         latency.mean, latency.stdev, latency.min,
         latency:percentile(50), latency:percentile(90), latency:percentile(99),
         latency:percentile(99.9), latency.max),
   }
   io.write("BENCH_RESULT {" .. table.concat(out, ",") .. "}\n")
end
