-- wrk producer: each request posts `batch` messages (default 1) to the next queue (round
-- robin).
--   wrk -t 8 -c 8 -d 10s -s bench/wrk/producer.lua http://127.0.0.1:8888 -- queues=a,b size=64
--   ... -- queues=a,b batch=10    (batched posting: 10 messages per POST)
-- Counts: posts (201 answers), messages_posted (messages those answers stored).
dofile((string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./") .. "common.lua")

role = "producer"
local bodies = {}
local batch = 1

function role_init()
  local padding = string.rep("x", tonumber(opt.size or "64"))
  local ttl = tonumber(opt.ttl or "300")
  batch = tonumber(opt.batch or "1")
  -- One body per queue index so the messages say where they went; built once.
  for i = 1, #queues do
    local message = string.format('{"ttl": %d, "body": {"event": "wrk", "queue": %d, "data": "%s"}}',
      ttl, i, padding)
    local messages = {}
    for j = 1, batch do messages[j] = message end
    bodies[i] = "[" .. table.concat(messages, ", ") .. "]"
  end
end

function request()
  local i = next_queue()
  return send("post", "POST", "/v1/queues/" .. queues[i] .. "/messages", bodies[i])
end

function response(status, headers, body)
  record(status)
  if status == 201 then
    count("posts")
    count("messages_posted", batch)
  end
end
