-- Slow Down check-and-count (see SlowDownRule) for every request of one round from a gateway, in order: per project a
-- hash of 10-second slot -> admitted requests.
-- KEYS: the projects' hashes, once each. ARGV: slot ms, recent slots (6), all slots (96), then n = requests, then per
-- request: key index, now ms, floor, multiplier.
-- Returns, per request in order: admitted (1|0), last-minute count, trailing count, wait ms.
-- The trailing count (the 90 slots before the last minute) cannot change while the current slot lasts (only the
-- current slot is counted into), so it is summed once per slot and kept in the field 't<slot>': a check reads 7
-- fields, not 96. A gateway whose clock is more than 50 s behind could still count into one of those 90 slots; the
-- cached sum then misses those requests until the next slot.
local slotMs = tonumber(ARGV[1])
local recent = tonumber(ARGV[2])
local slots = tonumber(ARGV[3])

local function admit(key, now, floor, mult)
  local cur = math.floor(now / slotMs)
  local cached = 't' .. string.format('%d', cur)
  local fields = {}
  for i = 0, recent - 1 do fields[i + 1] = string.format('%d', cur - i) end
  fields[recent + 1] = cached
  local vals = redis.call('HMGET', key, unpack(fields))
  local last = 0
  for i = 1, recent do last = last + (tonumber(vals[i]) or 0) end
  local trailing = tonumber(vals[recent + 1])
  if not trailing then
    local older = {}
    for i = recent, slots - 1 do older[#older + 1] = string.format('%d', cur - i) end
    trailing = 0
    for _, v in ipairs(redis.call('HMGET', key, unpack(older))) do trailing = trailing + (tonumber(v) or 0) end
    redis.call('HSET', key, cached, string.format('%d', trailing))
    redis.call('PEXPIRE', key, slots * slotMs)
  end
  local threshold = math.max(floor, trailing / 15.0 * mult)
  if last + 1 > threshold then
    return 0, last, trailing, (cur + 1) * slotMs - now
  end
  local n = redis.call('HINCRBY', key, string.format('%d', cur), 1)
  if n == 1 then
    -- A new slot: drop the slots that left the window and the cached sums of earlier slots, so the hash stays small.
    for _, k in ipairs(redis.call('HKEYS', key)) do
      if string.sub(k, 1, 1) == 't' then
        if tonumber(string.sub(k, 2)) < cur then redis.call('HDEL', key, k) end
      elseif tonumber(k) <= cur - slots then
        redis.call('HDEL', key, k)
      end
    end
  end
  redis.call('PEXPIRE', key, slots * slotMs)
  return 1, last + 1, trailing, 0
end

local out = {}
local p = 5
for _ = 1, tonumber(ARGV[4]) do
  local ok, last, trailing, wait = admit(KEYS[tonumber(ARGV[p])], tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]),
      tonumber(ARGV[p + 3]))
  p = p + 4
  out[#out + 1] = ok
  out[#out + 1] = last
  out[#out + 1] = trailing
  out[#out + 1] = wait
end
return out
