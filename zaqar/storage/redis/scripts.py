"""The Lua scripts of the Redis store: every state change of a queue is one script.

Every script gets the queue's seven keys and three common arguments::

    KEYS[1] queue hash   (m: metadata JSON, cr: created, n: last marker handed out)
    KEYS[2] markers      sorted set, message id scored by marker (posting order)
    KEYS[3] expiries     sorted set, message id scored by expiry (UNIX seconds)
    KEYS[4] claimed      sorted set, message id scored by claim expiry (held messages only)
    KEYS[5] claims       sorted set, claim id scored by when its index may go (claim
                         expiry plus the driver's margin), so that no claim index outlives
                         its use or its queue
    KEYS[6] subscription ids (below): a post announces its messages when it exists
    KEYS[7] outbox       stream of notifications, entry id ``0-<marker>``, fields i (message
                         id), t (ttl), b (body JSON), p (posted)
    ARGV[1] now          the driver's clock, as text (the data's time is never Redis TIME)
    ARGV[2] message key prefix (+ message id = the message hash)
    ARGV[3] claim key prefix   (+ claim id = sorted set of the claim's message ids)

Every script that changes data starts with ``GUARD`` and takes one more argument, last: its
deadline, in UNIX seconds. It is the only use of Redis TIME: a script that starts after its
deadline by Redis's clock changes nothing and answers the error ``LATE``. The driver sets the
deadline inside the time it waits for the answer, less a margin for the skew between its
clock and Redis's, so a change it gave up on can never be made later (``store.Store``).

All keys of one queue share a hash tag, so the keys a script builds from the prefixes lie in
the same cluster slot as the declared ones.

Message hash fields: id, k (marker), t (ttl), cr (created), e (expires), u (client uuid),
b (body JSON), c (claim id), ce (claim expires), ct (claim ttl), cc (claim count), d (until
when the message is delayed; absent when it never was), cs (the checksum posted with the
message; absent when it came without one).

Before anything else, a script trims up to ``TRIM_BUDGET`` expired messages and lapsed claim
entries from the indexes, so expired data leaves no garbage behind and the counts the
indexes give stay exact.

Subscription and delivery scripts (API v2) get the queue's three subscription keys, its
hash and its outbox instead, and two common arguments::

    KEYS[1] subscription ids        sorted set, all scored 0 (listing in byte order of id)
    KEYS[2] subscription expiries   sorted set, id scored by expiry (UNIX seconds)
    KEYS[3] subscribers             hash, subscriber URI -> id of its subscription
    KEYS[4] queue hash
    KEYS[5] outbox
    ARGV[1] now
    ARGV[2] subscription key prefix (+ id = the subscription hash)

Subscription hash fields: id, u (subscriber), t (ttl), cr (created), e (expires), o (options
JSON), c (confirmed: '1' or '0'), sk (its signing key; absent when none); for push delivery k
(cursor), lo (lease owner) and lu (lease end). A subscriber entry may outlive its
subscription (which the real-time safety net PEXPIREd); a subscription that is missing or
expired never holds its subscriber. The subscription scripts trim up to 100 expired
subscriptions first.
"""

from __future__ import annotations

from zaqar.storage import base

#: Expired index entries a script removes per call.
TRIM_BUDGET = 100

#: Put in front of every script that changes data; the deadline is the last argument.
GUARD = """
local clock = redis.call('TIME')
if tonumber(clock[1]) + tonumber(clock[2]) / 1000000 >= tonumber(ARGV[#ARGV]) then
  return redis.error_reply('LATE the deadline of this change passed before it ran')
end
"""

#: Fields read for a message, in this order.
FIELDS = ("id", "k", "t", "cr", "e", "u", "b", "c", "ce", "ct", "cc", "d", "cs")

_COMMON = """
local now = tonumber(ARGV[1])
local FIELDS = {'id', 'k', 't', 'cr', 'e', 'u', 'b', 'c', 'ce', 'ct', 'cc', 'd', 'cs'}

local function forget(id)
  redis.call('DEL', ARGV[2] .. id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
end

local function trim(budget)
  local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, budget)
  for _, id in ipairs(gone) do forget(id) end
  local lapsed = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1], 'LIMIT', 0, budget)
  if #lapsed > 0 then redis.call('ZREM', KEYS[4], unpack(lapsed)) end
  local stale = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[1], 'LIMIT', 0, budget)
  for _, cid in ipairs(stale) do redis.call('DEL', ARGV[3] .. cid) end
  if #stale > 0 then redis.call('ZREM', KEYS[5], unpack(stale)) end
  return #gone
end

local function read(id)
  return redis.call('HMGET', ARGV[2] .. id, unpack(FIELDS))
end

-- Mirrors zaqar.core.lifecycle.is_claimed.
local function claimed(rec)
  return rec[8] and rec[9] and tonumber(rec[9]) > now
end

local function delayed(rec)
  return rec[12] and tonumber(rec[12]) > now
end

local function live(rec)
  return rec[1] and tonumber(rec[5]) > now
end

-- Calls take(id, rec) on live messages in marker order after score ``after`` until it
-- returns false; index entries whose hash is gone are dropped on the way.
local function walk(after, take)
  local cursor = after
  while true do
    local batch = redis.call('ZRANGEBYSCORE', KEYS[2], cursor, '+inf', 'WITHSCORES',
                             'LIMIT', 0, 100)
    if #batch == 0 then return end
    for i = 1, #batch, 2 do
      local id = batch[i]
      cursor = '(' .. batch[i + 1]
      local rec = read(id)
      if not rec[1] then
        forget(id)
      elseif tonumber(rec[5]) > now then
        if not take(id, rec) then return end
      end
    end
    if #batch < 200 then return end
  end
end
"""

TRIM = (
    _COMMON
    + """
return trim(tonumber(ARGV[4]))
"""
)

# ARGV[4] metadata JSON. Returns 1 when created, 0 when the queue existed.
CREATE_QUEUE = (
    GUARD
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'm', ARGV[4], 'cr', ARGV[1], 'n', 0)
return 1
"""
)

# ARGV[4] metadata JSON. Returns 0 when the queue is missing.
SET_METADATA = (
    GUARD
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'm', ARGV[4])
return 1
"""
)

# Compare and set of the metadata: ARGV[4] the text read, ARGV[5] the new text. Returns -1
# for a missing queue, 0 when the metadata changed since it was read, 1 when replaced.
SWAP_METADATA = (
    GUARD
    + """
local current = redis.call('HGET', KEYS[1], 'm')
if not current then return -1 end
if current ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'm', ARGV[5])
return 1
"""
)

# The indexes of queues, which lie in other slots than the queues, change one member at a
# time: KEYS[1] a project's index (a sorted set, all scored 0) or the set of all queues,
# ARGV[1] the command (ZADD, ZREM, SADD or SREM), ARGV[2] the member. Returns 0.
INDEX = (
    GUARD
    + """
if ARGV[1] == 'ZADD' then
  redis.call('ZADD', KEYS[1], 0, ARGV[2])
else
  redis.call(ARGV[1], KEYS[1], ARGV[2])
end
return 0
"""
)

# KEYS[6..8] the queue's subscription keys, ARGV[4] the subscription key prefix: the
# queue's subscriptions go with it. Returns how many messages went.
DELETE_QUEUE = (
    GUARD
    + _COMMON
    + """
for _, sid in ipairs(redis.call('ZRANGE', KEYS[6], 0, -1)) do
  local k = ARGV[4] .. sid
  redis.call('DEL', k, k .. ':log', k .. ':dead', k .. ':replay')
end
redis.call('DEL', KEYS[6], KEYS[7], KEYS[8], KEYS[9])
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
local claims = {}
for _, id in ipairs(ids) do
  local cid = redis.call('HGET', ARGV[2] .. id, 'c')
  if cid then claims[cid] = true end
  redis.call('DEL', ARGV[2] .. id)
end
for _, cid in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do claims[cid] = true end
for cid, _ in pairs(claims) do redis.call('DEL', ARGV[3] .. cid) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return #ids
"""
)

# Returns nil for a missing queue, else {total, claimed, oldest id, oldest created,
# newest id, newest created} (ids and times are false when the queue is empty).
STATS = (
    _COMMON
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
trim(100)
local total = redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[1], '+inf')
local held = redis.call('ZCOUNT', KEYS[4], '(' .. ARGV[1], '+inf')
local function edge(command)
  local start = 0
  while total > 0 do
    local ids = redis.call(command, KEYS[2], start, start + 99)
    if #ids == 0 then return false, false end
    for _, id in ipairs(ids) do
      local expires = redis.call('ZSCORE', KEYS[3], id)
      if expires and tonumber(expires) > now then
        local created = redis.call('HGET', ARGV[2] .. id, 'cr')
        if created then return id, created end
      end
    end
    start = start + 100
  end
  return false, false
end
local oldest, oldest_created = edge('ZRANGE')
local newest, newest_created = edge('ZREVRANGE')
return {total, held, oldest, oldest_created, newest, newest_created}
"""
)

# ARGV[4] client uuid, ARGV[5] count, ARGV[6] pexpire ms of the post's receipt, ARGV[7] '1'
# to leave out messages whose id is stored already, then per message: id, ttl, body,
# expires, pexpire ms, delayed until (0 for none), checksum ('' for none). Returns the first
# marker of the batch, or nil when the queue is missing. The receipt (the first message's key
# plus ':posted') says, for a while, that the batch was stored, even once its messages are
# gone (see POSTED).
POST = (
    GUARD
    + _COMMON
    + f"local OUTBOX_GRACE_MS = {base.OUTBOX_GRACE * 1000}\n"
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
trim(100)
local fresh = {}
for i = 0, tonumber(ARGV[5]) - 1 do
  local at = 8 + i * 7
  if ARGV[7] ~= '1' or redis.call('EXISTS', ARGV[2] .. ARGV[at]) == 0 then
    fresh[#fresh + 1] = at
  end
end
local last = redis.call('HINCRBY', KEYS[1], 'n', #fresh)
local first = last - #fresh + 1
redis.call('SET', ARGV[2] .. ARGV[8] .. ':posted', 1, 'PX', ARGV[6])
-- A queue with subscriptions announces its messages in its outbox, in this same step.
local announce = redis.call('EXISTS', KEYS[6]) == 1
local announced = 0
local keep = 0
if announce then
  local top = redis.call('XREVRANGE', KEYS[7], '+', '-', 'COUNT', 1)
  if #top > 0 then announced = tonumber(string.sub(top[1][1], 3)) end
end
for i, at in ipairs(fresh) do
  local id = ARGV[at]
  local key = ARGV[2] .. id
  local marker = first + i - 1
  redis.call('HSET', key, 'id', id, 'k', marker, 't', ARGV[at + 1], 'cr', ARGV[1],
             'e', ARGV[at + 3], 'u', ARGV[4], 'b', ARGV[at + 2], 'cc', 0)
  if ARGV[at + 5] ~= '0' then redis.call('HSET', key, 'd', ARGV[at + 5]) end
  if ARGV[at + 6] ~= '' then redis.call('HSET', key, 'cs', ARGV[at + 6]) end
  redis.call('PEXPIRE', key, ARGV[at + 4])
  redis.call('ZADD', KEYS[2], marker, id)
  redis.call('ZADD', KEYS[3], ARGV[at + 3], id)
  if announce and marker > announced then
    redis.call('XADD', KEYS[7], '0-' .. marker, 'i', id, 't', ARGV[at + 1], 'b', ARGV[at + 2],
               'p', ARGV[1])
    keep = math.max(keep, tonumber(ARGV[at + 4]) + OUTBOX_GRACE_MS)
  end
end
if keep > 0 and redis.call('PTTL', KEYS[7]) < keep then redis.call('PEXPIRE', KEYS[7], keep) end
return first
"""
)

# ARGV[4] score after which to list ('-inf' or '(N'), ARGV[5] limit, ARGV[6] client uuid to
# leave out ('' for none), ARGV[7] '1' to include claimed messages, ARGV[8] '1' to include
# delayed ones.
LIST = (
    _COMMON
    + """
trim(100)
local out = {}
local limit = tonumber(ARGV[5])
if limit <= 0 then return out end
walk(ARGV[4], function(id, rec)
  if (ARGV[6] == '' or rec[6] ~= ARGV[6]) and (ARGV[7] == '1' or not claimed(rec))
     and (ARGV[8] == '1' or not delayed(rec)) then
    out[#out + 1] = rec
  end
  return #out < limit
end)
return out
"""
)

# ARGV[4..] message ids. Returns the records of the live ones.
BULK_GET = (
    _COMMON
    + """
local out = {}
for i = 4, #ARGV do
  local rec = read(ARGV[i])
  if live(rec) then out[#out + 1] = rec end
end
return out
"""
)

# ARGV[4] message id, ARGV[5] the claim id the caller gave ('' for none). Decides and
# deletes in one step, mirroring zaqar.core.lifecycle.delete_verdict. Returns 0 when the
# message is gone (deleted now, or missing or expired already), 1 when a live claim holds it
# and no or another claim id was given ("claimed"), 2 when a claim id was given but no live
# claim holds the message ("not claimed").
DELETE = (
    GUARD
    + _COMMON
    + """
local id = ARGV[4]
local rec = redis.call('HMGET', ARGV[2] .. id, 'id', 'c', 'ce', 'e')
if not rec[1] or not rec[4] or tonumber(rec[4]) <= now then return 0 end
local held = rec[2] and rec[3] and tonumber(rec[3]) > now
local given = ARGV[5]
if given == '' then
  if held then return 1 end
elseif given ~= rec[2] then
  if held then return 1 end
  return 2
end
forget(id)
return 0
"""
)

# ARGV[4..] message ids, deleted whatever their claims (then the deadline).
BULK_DELETE = (
    GUARD
    + _COMMON
    + """
for i = 4, #ARGV - 1 do forget(ARGV[i]) end
return 0
"""
)

# ARGV[4] limit. Deletes and returns up to limit free, undelayed messages, oldest first.
POP = (
    GUARD
    + _COMMON
    + """
trim(100)
local out = {}
local limit = tonumber(ARGV[4])
if limit <= 0 then return out end
walk('-inf', function(id, rec)
  if not claimed(rec) and not delayed(rec) then out[#out + 1] = rec end
  return #out < limit
end)
for _, rec in ipairs(out) do forget(rec[1]) end
return out
"""
)

# Claim or renew. ARGV[4] claim id, ARGV[5] claim expires, ARGV[6] claim ttl,
# ARGV[7] extended expires, ARGV[8] extended ttl, ARGV[9] pexpire ms of an extended message,
# ARGV[10] pexpire ms of the claim's index, ARGV[11] when the claim's index may go (clock
# time). A message that would die before the claim gets the
# extended expiry and ttl (zaqar.core.lifecycle.extend_for_claim, whose values the caller
# computed; only its comparison is made here).
_HOLD = """
local claim_key = ARGV[3] .. ARGV[4]
local function hold(id, rec)
  local key = ARGV[2] .. id
  redis.call('HSET', key, 'c', ARGV[4], 'ce', ARGV[5], 'ct', ARGV[6])
  if tonumber(rec[5]) < tonumber(ARGV[5]) then
    redis.call('HSET', key, 'e', ARGV[7], 't', ARGV[8])
    redis.call('ZADD', KEYS[3], ARGV[7], id)
    redis.call('PEXPIRE', key, ARGV[9])
  end
  redis.call('ZADD', KEYS[4], ARGV[5], id)
  redis.call('ZADD', claim_key, rec[2], id)
end
"""

# ARGV[12] limit. Returns the records of the messages claimed, oldest first.
CLAIM = (
    GUARD
    + _COMMON
    + _HOLD
    + """
trim(100)
local limit = tonumber(ARGV[12])
local ids = {}
if limit <= 0 then return {} end
walk('-inf', function(id, rec)
  if not claimed(rec) and not delayed(rec) then
    redis.call('HINCRBY', ARGV[2] .. id, 'cc', 1)
    hold(id, rec)
    ids[#ids + 1] = id
  end
  return #ids < limit
end)
if #ids > 0 then
  redis.call('PEXPIRE', claim_key, ARGV[10])
  redis.call('ZADD', KEYS[5], ARGV[11], ARGV[4])
end
local out = {}
for _, id in ipairs(ids) do out[#out + 1] = read(id) end
return out
"""
)

local_held = """
local function held(cid)
  local out = {}
  local ids = redis.call('ZRANGE', ARGV[3] .. cid, 0, -1)
  for _, id in ipairs(ids) do
    local rec = read(id)
    if live(rec) and rec[8] == cid and claimed(rec) then out[#out + 1] = rec end
  end
  return out
end
"""

# Same arguments as CLAIM but ARGV[12]. Returns how many messages the claim holds.
RENEW = (
    GUARD
    + _COMMON
    + _HOLD
    + local_held
    + """
trim(100)
local recs = held(ARGV[4])
for _, rec in ipairs(recs) do hold(rec[1], rec) end
if #recs > 0 then
  redis.call('PEXPIRE', claim_key, ARGV[10])
  redis.call('ZADD', KEYS[5], ARGV[11], ARGV[4])
end
return #recs
"""
)

# ARGV[4] claim id. Returns the records of the live messages the live claim holds.
GET_CLAIM = (
    _COMMON
    + local_held
    + """
return held(ARGV[4])
"""
)

# ARGV[4] claim id. Releases every message still carrying the claim id.
RELEASE = (
    GUARD
    + _COMMON
    + """
local claim_key = ARGV[3] .. ARGV[4]
local ids = redis.call('ZRANGE', claim_key, 0, -1)
for _, id in ipairs(ids) do
  local key = ARGV[2] .. id
  if redis.call('HGET', key, 'c') == ARGV[4] then
    redis.call('HDEL', key, 'c', 'ce', 'ct')
    redis.call('ZREM', KEYS[4], id)
  end
end
redis.call('DEL', claim_key)
redis.call('ZREM', KEYS[5], ARGV[4])
return #ids
"""
)

# ARGV[4] a post's first message id, ARGV[5..] the ids of its batch. Returns {1 when the
# post's receipt is there else 0, how many of the ids the queue holds}.
POSTED = """
local receipt = redis.call('EXISTS', ARGV[2] .. ARGV[4] .. ':posted')
local present = 0
for i = 5, #ARGV do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then present = present + 1 end
end
return {receipt, present}
"""


# -- subscriptions ---------------------------------------------------------------------------

#: Fields read for a subscription, in this order.
SUBSCRIPTION_FIELDS = ("id", "u", "t", "cr", "e", "o", "c", "sk")

_SUBSCRIPTIONS = """
local now = tonumber(ARGV[1])
local SUBSCRIPTION_FIELDS = {'id', 'u', 't', 'cr', 'e', 'o', 'c', 'sk'}

-- The live subscription's record, or nil.
local function read(id)
  local rec = redis.call('HMGET', ARGV[2] .. id, unpack(SUBSCRIPTION_FIELDS))
  if rec[1] and tonumber(rec[5]) > now then return rec end
  return nil
end

local function unsubscribe(id)
  local subscriber = redis.call('HGET', ARGV[2] .. id, 'u')
  if subscriber and redis.call('HGET', KEYS[3], subscriber) == id then
    redis.call('HDEL', KEYS[3], subscriber)
  end
  local k = ARGV[2] .. id
  redis.call('DEL', k, k .. ':log', k .. ':dead', k .. ':replay')
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end

local function trim(budget)
  local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, budget)
  for _, id in ipairs(gone) do unsubscribe(id) end
  return #gone
end

-- The indexes live as long as the longest-lived subscription needs them: ``ms`` is the
-- PEXPIRE duration (text, whole milliseconds) of a subscription just written.
local function keep(ms)
  for i = 1, 3 do
    if redis.call('PTTL', KEYS[i]) < tonumber(ms) then redis.call('PEXPIRE', KEYS[i], ms) end
  end
end
"""

# ARGV[3] budget. Returns how many expired subscriptions went.
TRIM_SUBSCRIPTIONS = (
    _SUBSCRIPTIONS
    + """
return trim(tonumber(ARGV[3]))
"""
)

# ARGV[3] where to start ('-' or '(' followed by the marker), ARGV[4] limit. Returns the
# records of the live subscriptions, in byte order of id.
LIST_SUBSCRIPTIONS = (
    _SUBSCRIPTIONS
    + """
trim(100)
local out = {}
local limit = tonumber(ARGV[4])
local cursor = ARGV[3]
while #out < limit do
  local ids = redis.call('ZRANGEBYLEX', KEYS[1], cursor, '+', 'LIMIT', 0, limit - #out)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    cursor = '(' .. id
    local rec = read(id)
    if rec then
      out[#out + 1] = rec
    elseif redis.call('EXISTS', ARGV[2] .. id) == 0 then
      unsubscribe(id)
    end
  end
end
return out
"""
)

# ARGV[3] subscriber. Returns the record of its live subscription, or nil.
FIND_SUBSCRIPTION = (
    _SUBSCRIPTIONS
    + """
local id = redis.call('HGET', KEYS[3], ARGV[3])
if not id then return nil end
local rec = read(id)
if rec and rec[2] == ARGV[3] then return rec end
return nil
"""
)

# ARGV[3] id, ARGV[4] subscriber, ARGV[5] ttl, ARGV[6] expires, ARGV[7] options JSON,
# ARGV[8] pexpire ms, ARGV[9] signing key ('' for none). Returns 1 when made, 0 when the
# subscriber has a live subscription.
CREATE_SUBSCRIPTION = (
    GUARD
    + _SUBSCRIPTIONS
    + """
trim(100)
local held = redis.call('HGET', KEYS[3], ARGV[4])
if held and read(held) then return 0 end
local key = ARGV[2] .. ARGV[3]
-- Told only of messages posted from now on: its cursor starts at the last marker.
redis.call('HSET', key, 'id', ARGV[3], 'u', ARGV[4], 't', ARGV[5], 'cr', ARGV[1],
           'e', ARGV[6], 'o', ARGV[7], 'c', '0', 'k', redis.call('HGET', KEYS[4], 'n') or '0')
if ARGV[9] ~= '' then redis.call('HSET', key, 'sk', ARGV[9]) end
redis.call('PEXPIRE', key, ARGV[8])
redis.call('ZADD', KEYS[1], 0, ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[3])
keep(ARGV[8])
return 1
"""
)

# ARGV[3] id, ARGV[4] new subscriber ('' to keep it), ARGV[5] '1' to set the ttl, ARGV[6]
# ttl, ARGV[7] expires, ARGV[8] pexpire ms, ARGV[9] '1' to set the options, ARGV[10] options
# JSON. Returns 1 when changed, 0 when the subscription is missing, -1 when another live
# subscription has the new subscriber (nothing changed then).
UPDATE_SUBSCRIPTION = (
    GUARD
    + _SUBSCRIPTIONS
    + """
trim(100)
local id = ARGV[3]
local key = ARGV[2] .. id
local rec = read(id)
if not rec then return 0 end
if ARGV[4] ~= '' and ARGV[4] ~= rec[2] then
  local held = redis.call('HGET', KEYS[3], ARGV[4])
  if held and held ~= id and read(held) then return -1 end
  if redis.call('HGET', KEYS[3], rec[2]) == id then redis.call('HDEL', KEYS[3], rec[2]) end
  redis.call('HSET', KEYS[3], ARGV[4], id)
  redis.call('HSET', key, 'u', ARGV[4])
end
if ARGV[5] == '1' then
  redis.call('HSET', key, 't', ARGV[6], 'e', ARGV[7])
  redis.call('ZADD', KEYS[2], ARGV[7], id)
  redis.call('PEXPIRE', key, ARGV[8])
  keep(ARGV[8])
end
if ARGV[9] == '1' then redis.call('HSET', key, 'o', ARGV[10]) end
return 1
"""
)

# ARGV[3] id, ARGV[4] '1' (confirmed) or '0'. Returns 0 when the subscription is missing.
CONFIRM_SUBSCRIPTION = (
    GUARD
    + _SUBSCRIPTIONS
    + """
if not read(ARGV[3]) then return 0 end
redis.call('HSET', ARGV[2] .. ARGV[3], 'c', ARGV[4])
return 1
"""
)

# ARGV[3] id. Returns 0.
DELETE_SUBSCRIPTION = (
    GUARD
    + _SUBSCRIPTIONS
    + """
unsubscribe(ARGV[3])
return 0
"""
)

# Deletes every subscription of the queue. Returns how many there were.
DELETE_SUBSCRIPTIONS = (
    GUARD
    + _SUBSCRIPTIONS
    + """
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local k = ARGV[2] .. id
  redis.call('DEL', k, k .. ':log', k .. ':dead', k .. ':replay')
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[5])
return #ids
"""
)


# -- push delivery (``deliveries``): subscription scripts, on the same keys ------------------

# ARGV[3] id, ARGV[4] owner, ARGV[5] lease end. Returns the cursor, or nil when the
# subscription is gone or another owner's lease is live.
ACQUIRE = (
    GUARD
    + _SUBSCRIPTIONS
    + """
if not read(ARGV[3]) then return nil end
local key = ARGV[2] .. ARGV[3]
local held = redis.call('HMGET', key, 'lo', 'lu', 'k')
if held[1] and held[1] ~= ARGV[4] and tonumber(held[2]) > now then return nil end
local cursor = held[3]
if not cursor then
  -- Moved here from another pool: it starts from the queue's last marker.
  cursor = redis.call('HGET', KEYS[4], 'n') or '0'
  redis.call('HSET', key, 'k', cursor)
end
redis.call('HSET', key, 'lo', ARGV[4], 'lu', ARGV[5])
return cursor
"""
)

# ARGV[3] id, ARGV[4] owner, ARGV[5] cursor, ARGV[6] how many attempts follow and ARGV[7]
# how many replayed markers, then the attempts' JSON (oldest first), the replayed markers
# (their dead letters go), then (marker, JSON) of each dead letter, which replaces the one of
# its marker and is no longer to be replayed. Returns 1, or 0 (nothing changed) when the
# owner does not hold the lease.
CHECKPOINT = (
    GUARD
    + _SUBSCRIPTIONS
    + f"local LOG_LENGTH = {base.LOG_LENGTH}\n"
    + """
local key = ARGV[2] .. ARGV[3]
if redis.call('HGET', key, 'lo') ~= ARGV[4] then return 0 end
if tonumber(ARGV[5]) > tonumber(redis.call('HGET', key, 'k') or '0') then
  redis.call('HSET', key, 'k', ARGV[5])
end
local life = redis.call('PTTL', key)
local count = tonumber(ARGV[6])
local replayed = tonumber(ARGV[7])
if count > 0 then
  local log = key .. ':log'
  for i = 8, 7 + count do redis.call('LPUSH', log, ARGV[i]) end
  redis.call('LTRIM', log, 0, LOG_LENGTH - 1)
  if life > 0 then redis.call('PEXPIRE', log, life) end
end
local dead = key .. ':dead'
local replay = key .. ':replay'
for i = 8 + count, 7 + count + replayed do
  redis.call('ZREMRANGEBYSCORE', dead, ARGV[i], ARGV[i])
  redis.call('ZREM', replay, ARGV[i])
end
for i = 8 + count + replayed, #ARGV - 2, 2 do
  redis.call('ZREMRANGEBYSCORE', dead, ARGV[i], ARGV[i])
  redis.call('ZADD', dead, ARGV[i], ARGV[i + 1])
  redis.call('ZREM', replay, ARGV[i])
  if life > 0 then redis.call('PEXPIRE', dead, life) end
end
-- Drop the notifications every live subscription has passed.
local lowest = nil
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local rec = redis.call('HMGET', ARGV[2] .. sid, 'e', 'k')
  if rec[1] and tonumber(rec[1]) > now then
    local cursor = tonumber(rec[2] or '0')
    if lowest == nil or cursor < lowest then lowest = cursor end
  end
end
if lowest and lowest > 0 then redis.call('XTRIM', KEYS[5], 'MINID', '0-' .. (lowest + 1)) end
return 1
"""
)

# ARGV[3] id, then the message ids whose dead letters are to be replayed (none: all of
# them). Returns how many dead letters that names (0 when the subscription is gone).
REPLAY = (
    GUARD
    + _SUBSCRIPTIONS
    + """
if not read(ARGV[3]) then return 0 end
local key = ARGV[2] .. ARGV[3]
local wanted = nil
if #ARGV > 4 then
  wanted = {}
  for i = 4, #ARGV - 1 do wanted[ARGV[i]] = true end
end
local replay = key .. ':replay'
local count = 0
local letters = redis.call('ZRANGE', key .. ':dead', 0, -1, 'WITHSCORES')
for i = 1, #letters, 2 do
  -- The score is the marker, as text.
  if wanted == nil or wanted[cjson.decode(letters[i])['message_id']] then
    redis.call('ZADD', replay, letters[i + 1], letters[i + 1])
    count = count + 1
  end
end
local life = redis.call('PTTL', key)
if count > 0 and life > 0 then redis.call('PEXPIRE', replay, life) end
return count
"""
)

# ARGV[3] id, ARGV[4] owner. Returns 0.
RELEASE_LEASE = (
    GUARD
    + _SUBSCRIPTIONS
    + """
local key = ARGV[2] .. ARGV[3]
if redis.call('HGET', key, 'lo') == ARGV[4] then redis.call('HDEL', key, 'lo', 'lu') end
return 0
"""
)
