-- GetUser with a valid access token. The request never changes within a
-- thread, so no request() is defined and wrk sends a pre-built request
-- (the cheapest load generator for the fastest call). Each thread uses a
-- different user's token.
dofile((os.getenv("BENCH_LUA") or "bench/lua") .. "/common.lua")

function init(args)
   bench.init("GetUser")
   local tokens = bench.read_lines("access.txt")
   local token = tokens[(thread_id % #tokens) + 1]
   wrk.body = '{"AccessToken":' .. bench.q(token) .. '}'
end
