-- One round of rate-limit work from a gateway: corrections, then decisions, each decision atomic over every bucket
-- of its request (see BucketMath for the arithmetic). A gateway sends one round per round trip with everything that
-- arrived while the previous one was out, so a bucket that many requests share is read once and written once.
-- KEYS: every bucket the round touches, once (a hash {u = level in unit-ms, t = last write in ms}).
-- ARGV: c = number of corrections; per correction: key index, capacity, window ms, delta (units, may be negative),
--       now ms; then d = number of decisions; per decision: now ms, n = checks, then per check: key index, capacity,
--       window ms, cost.
-- Returns, per decision in order: admitted (1|0), then the levels of its n buckets before taking, as decimal strings.
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
local p = 1
local corrections = tonumber(ARGV[p])
p = p + 1
for _ = 1, corrections do
  local i, cap, win = tonumber(ARGV[p]), tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2])
  local delta, now = tonumber(ARGV[p + 3]), tonumber(ARGV[p + 4])
  p = p + 5
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
  local now, n = tonumber(ARGV[p]), tonumber(ARGV[p + 1])
  p = p + 2
  local first = p
  local levels, stamps = {}, {}
  local ok = 1
  for j = 1, n do
    local i, cap, win, cost = tonumber(ARGV[p]), tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3])
    p = p + 4
    levels[j], stamps[j] = drained(bucket(i), now, cap)
    if levels[j] + cost * win > cap * win then ok = 0 end
  end
  out[#out + 1] = ok
  for j = 1, n do out[#out + 1] = string.format('%.0f', levels[j]) end
  if ok == 1 then
    local q = first
    for j = 1, n do
      local i, cap, win, cost = tonumber(ARGV[q]), tonumber(ARGV[q + 1]), tonumber(ARGV[q + 2]), tonumber(ARGV[q + 3])
      q = q + 4
      put(buckets[i], levels[j] + cost * win, stamps[j], cap, now)
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
