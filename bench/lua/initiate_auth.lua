-- InitiateAuth USER_PASSWORD_AUTH (argon2id verify + ID and access token
-- signatures), cycling through the confirmed benchmark users.
dofile((os.getenv("BENCH_LUA") or "bench/lua") .. "/common.lua")

local bodies = {}
local i = 0

function init(args)
   bench.init("InitiateAuth")
   local client_id = bench.read_one("client_id.txt")
   local password = os.getenv("BENCH_PASSWORD") or "Passw0rd!"
   for _, user in ipairs(bench.read_lines("users.txt")) do
      bodies[#bodies + 1] = '{"ClientId":' .. bench.q(client_id)
         .. ',"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":'
         .. bench.q(user) .. ',"PASSWORD":' .. bench.q(password) .. '}}'
   end
   i = thread_id
end

function request()
   i = i + 1
   return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])
end
