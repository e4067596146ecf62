-- InitiateAuth REFRESH_TOKEN_AUTH, cycling through the users' refresh tokens
-- (cognate does not rotate refresh tokens, like Cognito without rotation).
dofile((os.getenv("BENCH_LUA") or "bench/lua") .. "/common.lua")

local bodies = {}
local i = 0

function init(args)
   bench.init("InitiateAuth")
   local client_id = bench.read_one("client_id.txt")
   for _, token in ipairs(bench.read_lines("refresh.txt")) do
      bodies[#bodies + 1] = '{"ClientId":' .. bench.q(client_id)
         .. ',"AuthFlow":"REFRESH_TOKEN_AUTH","AuthParameters":{"REFRESH_TOKEN":'
         .. bench.q(token) .. '}}'
   end
   i = thread_id
end

function request()
   i = i + 1
   return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])
end
