-- One round of rate-limit work from a gateway: corrections, then decisions, each decision atomic over every bucket
-- of its request (see BucketMath for the arithmetic). A gateway sends one round per round trip with everything that
-- arrived while the previous one was out, so a bucket that many requests share is read once and written once.
-- KEYS: every bucket the round touches, once (a hash {u = level in unit-ms, t = last write in ms}).
-- ARGV: base = a time in ms that the times below are offsets from; then per key, in KEYS order: capacity, window ms
--       (the limit the round's first use of the bucket carries); then c = number of corrections; per correction: a
--       bucket, delta (units, may be negative), now offset; then d = number of decisions; per decision: now offset,
--       n = checks, then per check: a bucket, cost.
--       A bucket is its key index when it carries the key's capacity and window, or minus the index followed by its
--       own capacity and window when it does not (a limit changed while the round was being gathered).
-- Returns, per decision in order: admitted (1|0), then the levels of its n buckets before taking (integers).
local buckets = {}
local function bucket(i)
  local b = buckets[i]
  if b == nil then
    local s = redis.call('HMGET', KEYS[i], 'u', 't')
    b = {u = tonumber(s[1]) or 0, t = tonumber(s[2])}
    buckets[i] = b
  end
  return b
end
-- The level drained to now, and the stamp a write at now leaves (it never moves backwards).
local function drained(b, now, cap)
  local u = b.u
  local t = b.t or now
  local el = now - t
  if el > 0 and u > 0 then
    if el * cap >= u then u = 0 else u = u - el * cap end
  end
  if u < 0 then u = 0 end
  return u, math.max(t, now)
end
local function put(b, u, stamp, cap, now)
  b.u = u
  b.t = stamp
  b.cap = cap
  b.now = now
  b.dirty = true
end
local base = tonumber(ARGV[1])
local caps, wins = {}, {}
local p = 2
for i = 1, #KEYS do
  caps[i], wins[i] = tonumber(ARGV[p]), tonumber(ARGV[p + 1])
  p = p + 2
end
-- The bucket at ARGV[p] with its capacity and window; returns them and the position after it.
local function limit(q)
  local i = tonumber(ARGV[q])
  if i > 0 then return i, caps[i], wins[i], q + 1 end
  return -i, tonumber(ARGV[q + 1]), tonumber(ARGV[q + 2]), q + 3
end
local corrections = tonumber(ARGV[p])
p = p + 1
for _ = 1, corrections do
  local i, cap, win
  i, cap, win, p = limit(p)
  local delta, now = tonumber(ARGV[p]), base + tonumber(ARGV[p + 1])
  p = p + 2
  local b = bucket(i)
  local u, stamp = drained(b, now, cap)
  u = u + delta * win
  if u < 0 then u = 0 end
  put(b, u, stamp, cap, now)
end
local out = {}
local decisions = tonumber(ARGV[p])
p = p + 1
for _ = 1, decisions do
  local now, n = base + tonumber(ARGV[p]), tonumber(ARGV[p + 1])
  p = p + 2
  local first = p
  local levels, stamps = {}, {}
  local ok = 1
  for j = 1, n do
    local i, cap, win
    i, cap, win, p = limit(p)
    local cost = tonumber(ARGV[p])
    p = p + 1
    levels[j], stamps[j] = drained(bucket(i), now, cap)
    if levels[j] + cost * win > cap * win then ok = 0 end
  end
  out[#out + 1] = ok
  for j = 1, n do out[#out + 1] = levels[j] end
  if ok == 1 then
    local q = first
    for j = 1, n do
      local i, cap, win
      i, cap, win, q = limit(q)
      put(buckets[i], levels[j] + tonumber(ARGV[q]) * win, stamps[j], cap, now)
      q = q + 1
    end
  end
end
for i, b in pairs(buckets) do
  if b.dirty then
    redis.call('HSET', KEYS[i], 'u', string.format('%.0f', b.u), 't', string.format('%.0f', b.t))
    redis.call('PEXPIRE', KEYS[i], math.ceil(b.u / b.cap) + (b.t - b.now) + 1000)
  end
end
return out
