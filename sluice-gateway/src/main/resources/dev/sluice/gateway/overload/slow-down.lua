-- Slow Down check-and-count for one project (see SlowDownRule): a hash of 10-second slot -> admitted requests.
-- KEYS[1]: the project's hash. ARGV: now ms, slot ms, floor, multiplier, recent slots (6), all slots (96).
-- Returns {admitted (1|0), last-minute count, trailing count, wait ms}.
-- The trailing count (the 90 slots before the last minute) cannot change while the current slot lasts (only the
-- current slot is counted into), so it is summed once per slot and kept in the field 't<slot>': a call reads 7 fields,
-- not 96. A gateway whose clock is more than 50 s behind could still count into one of those 90 slots; the cache then
-- misses those requests until the next slot.
local now = tonumber(ARGV[1])
local slotMs = tonumber(ARGV[2])
local floor = tonumber(ARGV[3])
local mult = tonumber(ARGV[4])
local recent = tonumber(ARGV[5])
local slots = tonumber(ARGV[6])
local cur = math.floor(now / slotMs)
local cached = 't' .. string.format('%d', cur)
local fields = {}
for i = 0, recent - 1 do fields[i + 1] = string.format('%d', cur - i) end
fields[recent + 1] = cached
local vals = redis.call('HMGET', KEYS[1], unpack(fields))
local last = 0
for i = 1, recent do last = last + (tonumber(vals[i]) or 0) end
local trailing = tonumber(vals[recent + 1])
if not trailing then
  local older = {}
  for i = recent, slots - 1 do older[#older + 1] = string.format('%d', cur - i) end
  trailing = 0
  for _, v in ipairs(redis.call('HMGET', KEYS[1], unpack(older))) do trailing = trailing + (tonumber(v) or 0) end
  redis.call('HSET', KEYS[1], cached, string.format('%d', trailing))
  redis.call('PEXPIRE', KEYS[1], slots * slotMs)
end
local threshold = math.max(floor, trailing / 15.0 * mult)
if last + 1 > threshold then
  return {0, last, trailing, (cur + 1) * slotMs - now}
end
local n = redis.call('HINCRBY', KEYS[1], string.format('%d', cur), 1)
if n == 1 then
  -- A new slot: drop the slots that left the window and the cached sums of earlier slots, so the hash stays small.
  for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(k, 1, 1) == 't' then
      if tonumber(string.sub(k, 2)) < cur then redis.call('HDEL', KEYS[1], k) end
    elseif tonumber(k) <= cur - slots then
      redis.call('HDEL', KEYS[1], k)
    end
  end
end
redis.call('PEXPIRE', KEYS[1], slots * slotMs)
return {1, last + 1, trailing, 0}
