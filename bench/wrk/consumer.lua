-- wrk consumer: claim up to `limit` messages of the next queue, then delete what was claimed
-- before claiming again: one DELETE per message with the claim id its href carries, or with
-- bulk=1 all of them in one DELETE /v1/queues/Q/messages?ids=... (v1's bulk delete by ids).
--   wrk -t 8 -c 8 -d 10s -s bench/wrk/consumer.lua http://127.0.0.1:8888 -- queues=a,b limit=5
--   ... -- queues=a,b limit=5 bulk=1
-- Counts: claims (201), empty_claims (204), messages_claimed, messages_deleted (messages of
-- DELETEs answered 204). Deletes still pending when wrk stops are not made, so
-- messages_deleted <= messages_claimed.
dofile((string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./") .. "common.lua")

role = "consumer"
local pending = {} -- DELETE paths not yet sent
local deleting = {} -- per pending path: the messages it deletes
local in_flight = 0 -- messages the DELETE sent last deletes
local claim_body = '{"ttl": 300, "grace": 200}'
local bulk = false

function role_init()
  bulk = opt.bulk == "1"
end

function request()
  local path = table.remove(pending)
  if path ~= nil then
    in_flight = table.remove(deleting)
    return send("delete", "DELETE", path)
  end
  local i = next_queue()
  return send("claim", "POST", "/v1/queues/" .. queues[i] .. "/claims?limit=" .. opt.limit,
    claim_body)
end

local function claimed(body)
  local ids, queue = {}, nil
  for href in string.gmatch(body or "", '"href"%s*:%s*"([^"]+)"') do
    count("messages_claimed")
    if bulk then
      local q, id = string.match(href, "/queues/([^/]+)/messages/([^?]+)")
      queue, ids[#ids + 1] = q, id
    else
      pending[#pending + 1], deleting[#deleting + 1] = href, 1
    end
  end
  if #ids > 0 then
    pending[#pending + 1] = "/v1/queues/" .. queue .. "/messages?ids=" .. table.concat(ids, ",")
    deleting[#deleting + 1] = #ids
  end
end

function response(status, headers, body)
  local op = record(status)
  if op == "claim" then
    if status == 201 then
      count("claims")
      claimed(body)
    elseif status == 204 then
      count("empty_claims")
    end
  elseif status == 204 then
    count("messages_deleted", in_flight)
  end
end
