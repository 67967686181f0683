-- Corrects token buckets after a request ended (refund when it used less than it reserved, charge when more).
-- KEYS[i]: bucket i; ARGV[1]: now (ms); then per bucket i: capacity, window ms, delta (units, may be negative).
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local cap = tonumber(ARGV[3 * i - 1])
  local win = tonumber(ARGV[3 * i])
  local delta = tonumber(ARGV[3 * i + 1])
  local s = redis.call('HMGET', KEYS[i], 'u', 't')
  local u = tonumber(s[1]) or 0
  local t = tonumber(s[2]) or now
  local el = now - t
  if el > 0 and u > 0 then
    if el * cap >= u then u = 0 else u = u - el * cap end
  end
  u = u + delta * win
  if u < 0 then u = 0 end
  local stamp = math.max(t, now)
  redis.call('HSET', KEYS[i], 'u', string.format('%.0f', u), 't', string.format('%.0f', stamp))
  redis.call('PEXPIRE', KEYS[i], math.ceil(u / cap) + (stamp - now) + 1000)
end
return #KEYS
