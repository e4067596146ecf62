-- SignUp of a new user per request (argon2id hash + user insert). Usernames
-- are unique across threads and runs: a per-thread random prefix, the
-- thread id and a counter.
dofile((os.getenv("BENCH_LUA") or "bench/lua") .. "/common.lua")

local client_id
local password
local prefix
local n = 0

function init(args)
   bench.init("SignUp")
   client_id = bench.read_one("client_id.txt")
   password = os.getenv("BENCH_PASSWORD") or "Passw0rd!"
   prefix = string.format("su-%x%04x-t%d-", os.time(), math.random(0, 65535), thread_id)
end

function request()
   n = n + 1
   return wrk.format(nil, nil, nil, '{"ClientId":' .. bench.q(client_id)
      .. ',"Username":' .. bench.q(prefix .. n)
      .. ',"Password":' .. bench.q(password) .. '}')
end
