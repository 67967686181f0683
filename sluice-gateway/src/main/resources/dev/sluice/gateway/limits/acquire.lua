-- One rate-limit decision over every bucket of a request, atomically (see BucketMath for the arithmetic).
-- KEYS[i]: bucket i (a hash {u = level in unit-ms, t = last write in ms}).
-- ARGV[1]: now (ms, from the gateway's clock); then per bucket i: capacity, window ms, cost.
-- Returns {admitted (1|0), level_1 .. level_n} with the levels before taking, as decimal strings.
local now = tonumber(ARGV[1])
local n = #KEYS
local levels = {}
local stamps = {}
local ok = 1
for i = 1, n do
  local cap = tonumber(ARGV[3 * i - 1])
  local win = tonumber(ARGV[3 * i])
  local cost = tonumber(ARGV[3 * i + 1])
  local s = redis.call('HMGET', KEYS[i], 'u', 't')
  local u = tonumber(s[1]) or 0
  local t = tonumber(s[2]) or now
  local el = now - t
  if el > 0 and u > 0 then
    if el * cap >= u then u = 0 else u = u - el * cap end
  end
  if u < 0 then u = 0 end
  levels[i] = u
  stamps[i] = math.max(t, now)
  if u + cost * win > cap * win then ok = 0 end
end
if ok == 1 then
  for i = 1, n do
    local cap = tonumber(ARGV[3 * i - 1])
    local win = tonumber(ARGV[3 * i])
    local cost = tonumber(ARGV[3 * i + 1])
    local u = levels[i] + cost * win
    redis.call('HSET', KEYS[i], 'u', string.format('%.0f', u), 't', string.format('%.0f', stamps[i]))
    redis.call('PEXPIRE', KEYS[i], math.ceil(u / cap) + (stamps[i] - now) + 1000)
  end
end
local out = {ok}
for i = 1, n do out[i + 1] = string.format('%.0f', levels[i]) end
return out
