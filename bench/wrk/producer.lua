-- wrk producer: each request posts one message to the next queue (round robin).
--   wrk -t 8 -c 8 -d 10s -s bench/wrk/producer.lua http://127.0.0.1:8888 -- queues=a,b size=64
-- Counts: messages_posted (201 answers).
dofile((string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./") .. "common.lua")

role = "producer"
local bodies = {}

function role_init()
  local padding = string.rep("x", tonumber(opt.size or "64"))
  local ttl = tonumber(opt.ttl or "300")
  -- One body per queue index so the messages say where they went; built once.
  for i = 1, #queues do
    bodies[i] = string.format('[{"ttl": %d, "body": {"event": "wrk", "queue": %d, "data": "%s"}}]',
      ttl, i, padding)
  end
end

function request()
  local i = next_queue()
  return send("post", "POST", "/v1/queues/" .. queues[i] .. "/messages", bodies[i])
end

function response(status, headers, body)
  record(status)
  if status == 201 then count("messages_posted") end
end
