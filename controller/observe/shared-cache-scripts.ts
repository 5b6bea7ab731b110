/** The Lua scripts of the shared observer cache (ADR 0068): every write checks the lease in the same script. */

/**
 * Adds entries to a hash if the writer still holds the lease. KEYS[1] = hash, KEYS[2] = lease key (absent: no
 * fence). ARGV[1] = expected lease value, ARGV[2] = TTL ms, ARGV[3] = "nx" (immutable entries: never overwrite)
 * or "set", ARGV[4..] = field, value pairs. Returns the number of fields written, or -1 when fenced off.
 */
export const STORE = `
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local written = 0
for i = 4, #ARGV, 2 do
  if ARGV[3] == 'nx' then
    written = written + redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    written = written + 1
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return written`;

/**
 * When the hash holds more than ARGV[2] fields, deletes every field that is neither in ARGV[3..] nor starts
 * with "type:" (instance types are few and immutable). Fenced like {@link STORE}. Returns the fields deleted.
 */
export const PRUNE = `
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if redis.call('HLEN', KEYS[1]) <= tonumber(ARGV[2]) then return 0 end
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
local removed = 0
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if not keep[field] and string.sub(field, 1, 5) ~= 'type:' then
    redis.call('HDEL', KEYS[1], field)
    removed = removed + 1
  end
end
return removed`;

/**
 * Upserts and deletes in one hash if the writer still holds the lease. KEYS as {@link STORE}; ARGV[1] = expected
 * lease value, ARGV[2] = TTL ms, ARGV[3] = n, ARGV[4..3+2n] = field, value pairs, the rest = fields to delete.
 * Returns the number of pairs written, or -1 when fenced off.
 */
export const SYNC = `
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local n = tonumber(ARGV[3])
for i = 4, 3 + 2 * n, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = 4 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n`;
