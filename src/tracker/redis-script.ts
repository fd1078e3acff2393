// The Lua script behind RedisStore.announce: one announce applied atomically inside Redis.
// Keys of one swarm share the hash tag {<hex info hash>}, so in Redis Cluster they live in one
// slot and the script may touch all of them. Peers sit in four sorted sets (seeders/leechers x
// IPv4/IPv6) scored by expiry time in ms; a hash maps peer id -> compact address. Each call first
// trims a bounded number of expired members, and every key gets a TTL, so idle swarms vanish.
//
// KEYS: s4 l4 s6 l6 addr downloaded
// ARGV: peerId addr nowMs expiryMs event(0 none,1 completed,2 started,3 stopped) seeder(0/1)
//       numwant want(0 both,4,6) withIds(0/1) maxPeersPerSwarm keyTtlMs
// Reply: { seeders, leechers, downloaded, warned(0/1), nAddrs, addr..., id... }
export const ANNOUNCE_LUA = `
local s4, l4, s6, l6, ha, kd = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local pid, addr = ARGV[1], ARGV[2]
local now, expiry = tonumber(ARGV[3]), tonumber(ARGV[4])
local ev, seed, numwant = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local want, withIds, maxPeers, keyTtl = tonumber(ARGV[8]), ARGV[9] == '1', tonumber(ARGV[10]), tonumber(ARGV[11])

local function trim(z)
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. now, 'LIMIT', 0, 64)
  if #old > 0 then
    redis.call('ZREM', z, unpack(old))
    redis.call('HDEL', ha, unpack(old))
  end
end
trim(s4) trim(l4) trim(s6) trim(l6)

local wasSeed = redis.call('ZSCORE', s4, pid) or redis.call('ZSCORE', s6, pid)
local existed = redis.call('HEXISTS', ha, pid) == 1
local warned = 0
local sets = { s4, l4, s6, l6 }
if ev == 3 then
  for _, z in ipairs(sets) do redis.call('ZREM', z, pid) end
  redis.call('HDEL', ha, pid)
  numwant = 0
else
  local total = redis.call('ZCARD', s4) + redis.call('ZCARD', l4) + redis.call('ZCARD', s6) + redis.call('ZCARD', l6)
  if (not existed) and total >= maxPeers then
    warned = 1
  else
    local v6 = #addr == 18
    local target
    if seed == 1 then target = v6 and s6 or s4 else target = v6 and l6 or l4 end
    for _, z in ipairs(sets) do if z ~= target then redis.call('ZREM', z, pid) end end
    redis.call('ZADD', target, expiry, pid)
    redis.call('HSET', ha, pid, addr)
    if ev == 1 and not wasSeed then redis.call('INCR', kd) end
  end
end

local addrs, ids = {}, {}
local function pick(z, n)
  if n <= 0 then return end
  local got = redis.call('ZRANDMEMBER', z, n + 1, 'WITHSCORES')
  local members = {}
  for i = 1, #got, 2 do
    if got[i] ~= pid and tonumber(got[i + 1]) >= now and #members < n then members[#members + 1] = got[i] end
  end
  if #members == 0 then return end
  local as = redis.call('HMGET', ha, unpack(members))
  for i = 1, #members do
    if as[i] then
      addrs[#addrs + 1] = as[i]
      ids[#ids + 1] = members[i]
    end
  end
end
local function pickFamily(s, l, n)
  if n <= 0 then return end
  local cs = (seed == 1) and 0 or redis.call('ZCARD', s)
  local cl = redis.call('ZCARD', l)
  if cs + cl == 0 then return end
  local fromS = math.min(cs, math.ceil(n * cs / (cs + cl)))
  local before = #addrs
  pick(l, n - fromS)
  if seed ~= 1 then pick(s, n - (#addrs - before)) end
end
if want ~= 6 then pickFamily(s4, l4, numwant) end
if want ~= 4 then pickFamily(s6, l6, numwant - #addrs) end

for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, keyTtl) end

local seeders = redis.call('ZCARD', s4) + redis.call('ZCARD', s6)
local leechers = redis.call('ZCARD', l4) + redis.call('ZCARD', l6)
local reply = { seeders, leechers, tonumber(redis.call('GET', kd) or '0'), warned, #addrs }
for i = 1, #addrs do reply[#reply + 1] = addrs[i] end
if withIds then for i = 1, #ids do reply[#reply + 1] = ids[i] end end
return reply
`;
