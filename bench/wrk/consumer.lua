-- wrk consumer: claim up to `limit` messages of the next queue, then delete each claimed
-- message with the claim id its href carries, one DELETE per request, before claiming again.
--   wrk -t 8 -c 8 -d 10s -s bench/wrk/consumer.lua http://127.0.0.1:8888 -- queues=a,b limit=5
-- Counts: claims (201), empty_claims (204), messages_claimed, messages_deleted (204 to DELETE).
-- Deletes still pending when wrk stops are not made, so messages_deleted <= messages_claimed.
dofile((string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./") .. "common.lua")

role = "consumer"
local pending = {} -- hrefs claimed and not yet deleted
local claim_body = '{"ttl": 300, "grace": 200}'

function request()
  local href = table.remove(pending)
  if href ~= nil then
    return send("delete", "DELETE", href)
  end
  local i = next_queue()
  return send("claim", "POST", "/v1/queues/" .. queues[i] .. "/claims?limit=" .. opt.limit,
    claim_body)
end

function response(status, headers, body)
  local op = record(status)
  if op == "claim" then
    if status == 201 then
      count("claims")
      for href in string.gmatch(body or "", '"href"%s*:%s*"([^"]+)"') do
        pending[#pending + 1] = href
        count("messages_claimed")
      end
    elseif status == 204 then
      count("empty_claims")
    end
  elseif status == 204 then
    count("messages_deleted")
  end
end
