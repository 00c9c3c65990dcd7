-- wrk observer: list `limit` messages of the next queue with include_claimed=true, following
-- each queue's marker from the "next" link. An empty page (204) means the end of that queue:
-- the thread starts it over from its start marker (markers=m0,m1,...; none: no marker).
--   wrk -t 4 -c 4 -d 10s -s bench/wrk/observer.lua http://127.0.0.1:8888 -- queues=a,b limit=5
-- Counts: messages_listed, empty_lists (204).
dofile((string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./") .. "common.lua")

role = "observer"
local start_markers, markers = {}, {}

function role_init()
  local i = 0
  for marker in string.gmatch(opt.markers or "", "[^,]+") do
    i = i + 1
    start_markers[i] = marker
  end
  for j = 1, #queues do markers[j] = start_markers[j] end
end

local current

function request()
  current = next_queue()
  local path = "/v1/queues/" .. queues[current] .. "/messages?limit=" .. opt.limit ..
      "&include_claimed=true"
  if markers[current] then path = path .. "&marker=" .. markers[current] end
  return send("list", "GET", path)
end

function response(status, headers, body)
  record(status)
  if status == 200 then
    local listed = 0
    for _ in string.gmatch(body or "", '"ttl"%s*:') do listed = listed + 1 end
    count("messages_listed", listed)
    local marker = string.match(body or "", "[?&]marker=([^\"&]+)")
    markers[current] = marker or start_markers[current]
  elseif status == 204 then
    count("empty_lists")
    markers[current] = start_markers[current]
  end
end
