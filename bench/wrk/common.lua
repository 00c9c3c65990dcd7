-- Shared by the role scripts of bench/wrk (loaded with dofile; see producer.lua).
--
-- Every wrk thread must own exactly one connection (run wrk with -t N -c N): a thread's
-- request() and response() then strictly alternate, so a script knows which request a
-- response answers. Each thread counts statuses and per-operation latencies (wall time from
-- request() to response(), read with clock_gettime through LuaJIT's FFI) and done() prints
-- one line "ZAQAR_WRK {json}" that bench/compare parses.
--
-- Script arguments (after "--"), all optional, as key=value:
--   queues=ogre-test-queue-0,ogre-test-queue-1   queue names (default bench-0..bench-3)
--   project=NAME     X-Project-ID (default zaqar-bench; project= for none)
--   limit=N          claim or list limit (default 5)
--   size=N           producer: bytes of padding in the message body (default 64)
--   ttl=N            producer: message ttl (default 300)
--   markers=m0,m1    observer: per-queue marker to start (and restart) from

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } zaqar_wrk_timespec;
  int clock_gettime(int clock_id, zaqar_wrk_timespec *tp);
]]
local timespec = ffi.new("zaqar_wrk_timespec")

function now_ms()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local function split(text)
  local items = {}
  for item in string.gmatch(text or "", "[^,]+") do items[#items + 1] = item end
  return items
end

-- Per-thread state (each thread has its own Lua state).
opt = {}
queues = {}
-- Only flat tables: wrk 4.1 crashes copying nested tables from a thread in done().
op_names = {}  -- the ops this thread has recorded, in order
statuses = {}  -- "op status" -> count
counts = {}    -- role-specific counters
-- and samples_<op> = {ms, ...} per op
headers = {}
base = ""
local current_op, started_at

function count(name, n)
  counts[name] = (counts[name] or 0) + (n or 1)
end

-- Build a request for op and start its clock.
function send(op, method, path, body)
  current_op, started_at = op, now_ms()
  return wrk.format(method, base .. path, headers, body)
end

-- Record the answer to the request sent last; returns the op it answered.
function record(status)
  local op = current_op
  local samples = _G["samples_" .. op]
  if samples == nil then
    samples = {}
    _G["samples_" .. op] = samples
    op_names[#op_names + 1] = op
  end
  samples[#samples + 1] = now_ms() - started_at
  local key = op .. " " .. tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  return op
end

local function uuid4(seed)
  math.randomseed(seed)
  local function hex(n)
    local out = {}
    for i = 1, n do out[i] = string.format("%x", math.random(0, 15)) end
    return table.concat(out)
  end
  return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
end

-- Main state: number the threads so each gets a distinct Client-ID and starting queue.
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

function init(args)
  for _, arg in ipairs(args) do
    local key, value = string.match(arg, "^([%w_]+)=(.*)$")
    if key then opt[key] = value end
  end
  queues = split(opt.queues)
  if #queues == 0 then queues = { "bench-0", "bench-1", "bench-2", "bench-3" } end
  opt.limit = tonumber(opt.limit or "5")
  base = string.gsub(wrk.path or "", "/+$", "")
  headers = {
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/json",
    ["Client-ID"] = uuid4((tid or 1) * 7919 + os.time()),
  }
  local project = opt.project
  if project == nil then project = "zaqar-bench" end
  if project ~= "" then headers["X-Project-ID"] = project end
  turn = (tid or 1) - 1 -- threads start on different queues
  if role_init then role_init() end
end

-- The next queue index, round robin.
function next_queue()
  turn = turn % #queues + 1
  return turn
end

local function encode(value)
  local kind = type(value)
  if kind == "table" then
    local keys = {}
    for key in pairs(value) do keys[#keys + 1] = tostring(key) end
    table.sort(keys)
    local parts = {}
    for _, key in ipairs(keys) do
      local item = value[key]
      if item == nil then item = value[tonumber(key)] end
      parts[#parts + 1] = string.format("%q", key) .. ":" .. encode(item)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  elseif kind == "string" then
    return string.format("%q", value)
  end
  return "null"
end

local function percentile(sorted, q)
  if #sorted == 0 then return nil end
  local rank = math.ceil(q / 100 * #sorted)
  if rank < 1 then rank = 1 end
  return sorted[rank]
end

local function round3(value)
  if value == nil then return nil end
  return math.floor(value * 1000 + 0.5) / 1000
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local merged_ops, merged_counts = {}, {}
  local function op_entry(op)
    local into = merged_ops[op]
    if into == nil then
      into = { statuses = {}, samples = {} }
      merged_ops[op] = into
    end
    return into
  end
  for _, thread in ipairs(threads) do
    for _, op in ipairs(thread:get("op_names") or {}) do
      local into = op_entry(op)
      for _, sample in ipairs(thread:get("samples_" .. op) or {}) do
        into.samples[#into.samples + 1] = sample
      end
    end
    for key, n in pairs(thread:get("statuses") or {}) do
      local op, status = string.match(key, "^(%S+) (%S+)$")
      local into = op_entry(op)
      into.statuses[status] = (into.statuses[status] or 0) + n
    end
    for name, n in pairs(thread:get("counts") or {}) do
      merged_counts[name] = (merged_counts[name] or 0) + n
    end
  end
  local ops = {}
  for op, entry in pairs(merged_ops) do
    table.sort(entry.samples)
    local n = #entry.samples
    ops[op] = {
      requests = n,
      requests_per_sec = n / seconds,
      statuses = entry.statuses,
      p50_ms = round3(percentile(entry.samples, 50)),
      p90_ms = round3(percentile(entry.samples, 90)),
      p99_ms = round3(percentile(entry.samples, 99)),
    }
  end
  local result = {
    role = role,
    duration_sec = seconds,
    requests = summary.requests,
    requests_per_sec = summary.requests / seconds,
    socket_errors = summary.errors,
    counts = merged_counts,
    ops = ops,
    latency_ms = {
      p50 = latency:percentile(50) / 1000,
      p90 = latency:percentile(90) / 1000,
      p99 = latency:percentile(99) / 1000,
      mean = latency.mean / 1000,
      max = latency.max / 1000,
    },
  }
  io.write("ZAQAR_WRK " .. encode(result) .. "\n")
end
