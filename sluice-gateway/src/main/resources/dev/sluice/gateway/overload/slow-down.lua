-- Slow Down check-and-count for one project (see SlowDownRule): a hash of 10-second slot -> admitted requests.
-- KEYS[1]: the project's hash. ARGV: now ms, slot ms, floor, multiplier, recent slots (6), all slots (96).
-- Returns {admitted (1|0), last-minute count, trailing count, wait ms}.
local now = tonumber(ARGV[1])
local slotMs = tonumber(ARGV[2])
local floor = tonumber(ARGV[3])
local mult = tonumber(ARGV[4])
local recent = tonumber(ARGV[5])
local slots = tonumber(ARGV[6])
local cur = math.floor(now / slotMs)
local fields = {}
for i = 0, slots - 1 do fields[i + 1] = string.format('%d', cur - i) end
local vals = redis.call('HMGET', KEYS[1], unpack(fields))
local last, trailing = 0, 0
for i = 0, slots - 1 do
  local v = tonumber(vals[i + 1]) or 0
  if i < recent then last = last + v else trailing = trailing + v end
end
local threshold = math.max(floor, trailing / 15.0 * mult)
if last + 1 > threshold then
  return {0, last, trailing, (cur + 1) * slotMs - now}
end
local n = redis.call('HINCRBY', KEYS[1], string.format('%d', cur), 1)
if n == 1 then
  -- A new slot: drop the ones that left the window, so the hash stays at most `slots` fields.
  for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(k) <= cur - slots then redis.call('HDEL', KEYS[1], k) end
  end
end
redis.call('PEXPIRE', KEYS[1], slots * slotMs)
return {1, last + 1, trailing, 0}
