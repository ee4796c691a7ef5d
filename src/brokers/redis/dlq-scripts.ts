// Lua for DLQ moves and replays. A script runs atomically on its node, so when every key of a batch
// shares one slot, "check, write, ack/delete" happens exactly once per entry however often a run is
// killed and re-run. XADD goes through pcall so one bad entry fails alone and the others still report.

/**
 * Same-slot move. KEYS: stream, dlq. ARGV: group, reason, failed_at, id...
 * Per id returns two strings: status (m moved, d deleted from the stream, s not pending, e error) and
 * the new DLQ id or the error text.
 */
export const MOVE_ATOMIC = `
local stream, dlq, group = KEYS[1], KEYS[2], ARGV[1]
local out = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  if #p == 0 then
    out[#out + 1] = 's'; out[#out + 1] = ''
  else
    local e = redis.call('XRANGE', stream, id, id)
    if #e == 0 then
      redis.call('XACK', stream, group, id)
      out[#out + 1] = 'd'; out[#out + 1] = ''
    else
      local f = e[1][2]
      local n = #f
      f[n + 1] = 'original_id'; f[n + 2] = id
      f[n + 3] = 'original_stream'; f[n + 4] = stream
      f[n + 5] = 'original_group'; f[n + 6] = group
      f[n + 7] = 'consumer'; f[n + 8] = p[1][2]
      f[n + 9] = 'delivery_count'; f[n + 10] = tostring(p[1][4])
      f[n + 11] = 'reason'; f[n + 12] = ARGV[2]
      f[n + 13] = 'failed_at'; f[n + 14] = ARGV[3]
      local r = redis.pcall('XADD', dlq, '*', unpack(f))
      if type(r) == 'table' and r.err then
        out[#out + 1] = 'e'; out[#out + 1] = r.err
      else
        redis.call('XACK', stream, group, id)
        out[#out + 1] = 'm'; out[#out + 1] = r
      end
    end
  end
end
return out
`

/**
 * Step 1 of a two-step write (keys in different slots): XADD unless the journal already records it.
 * KEYS: target stream, journal hash (same slot). ARGV: repeated [marker, n, field1 ... fieldn].
 * Per item returns two strings: status (n new, j already journaled, e error) and the id or error text.
 */
export const JOURNALED_ADD = `
local target, journal = KEYS[1], KEYS[2]
local out = {}
local i = 1
while i <= #ARGV do
  local marker, n = ARGV[i], tonumber(ARGV[i + 1])
  local known = redis.call('HGET', journal, marker)
  if known then
    out[#out + 1] = 'j'; out[#out + 1] = known
  else
    local r = redis.pcall('XADD', target, '*', unpack(ARGV, i + 2, i + 1 + n))
    if type(r) == 'table' and r.err then
      out[#out + 1] = 'e'; out[#out + 1] = r.err
    else
      redis.call('HSET', journal, marker, r)
      out[#out + 1] = 'n'; out[#out + 1] = r
    end
  end
  i = i + 2 + n
end
return out
`

/**
 * Same-slot replay. KEYS: dlq, target... ARGV: repeated [dlqId, target index (into KEYS), n, fields...].
 * Per item returns two strings: status (r replayed, s gone from the DLQ, e error) and the new id or error.
 */
export const REPLAY_ATOMIC = `
local dlq = KEYS[1]
local out = {}
local i = 1
while i <= #ARGV do
  local id, t, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if #redis.call('XRANGE', dlq, id, id) == 0 then
    out[#out + 1] = 's'; out[#out + 1] = ''
  else
    local r = redis.pcall('XADD', KEYS[t], '*', unpack(ARGV, i + 3, i + 2 + n))
    if type(r) == 'table' and r.err then
      out[#out + 1] = 'e'; out[#out + 1] = r.err
    else
      redis.call('XDEL', dlq, id)
      out[#out + 1] = 'r'; out[#out + 1] = r
    end
  end
  i = i + 3 + n
end
return out
`
