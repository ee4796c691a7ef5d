// Lua for DLQ moves and replays. A script runs atomically on its node, so when every key of a batch
// shares one slot, "check, write, ack/delete" happens exactly once per entry however often a run is
// killed and re-run. XADD goes through pcall so one bad entry fails alone and the others still report.
// Each script that writes first checks that the ACL user may make every write it can (aclGuard()): a
// refusal ends it before it writes anything.
import {aclGuard} from './acl-guard.js'

/**
 * Same-slot move. KEYS: stream, dlq. ARGV: group, reason, failed_at, id...
 * Per id returns two strings: status (m moved, d deleted from the stream, s not pending, e error) and
 * the new DLQ id or the error text.
 */
export const MOVE_ATOMIC = `${aclGuard([
  ['xadd', 'KEYS[2]', "'XADD'", 'KEYS[2]', "'*'", "'f'", "'v'"],
  ['xack', 'KEYS[1]', "'XACK'", 'KEYS[1]', 'ARGV[1]', "'0-1'"],
])}
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
export const JOURNALED_ADD = `${aclGuard([
  ['xadd', 'KEYS[1]', "'XADD'", 'KEYS[1]', "'*'", "'f'", "'v'"],
  ['hset', 'KEYS[2]', "'HSET'", 'KEYS[2]', "'m'", "'v'"],
])}
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
 * Same-slot replay. KEYS: dlq, target... ARGV: repeated [dlqId, target index (into KEYS), n, fields...];
 * n = -1 (layout a) sends no fields: the script puts back the entry's own fields minus the meta names,
 * which saves sending every entry back over the wire.
 * Per item returns two strings: status (r replayed, s gone from the DLQ, e error) and the new id or error.
 */
export const REPLAY_ATOMIC = `${aclGuard(
  [['xdel', 'KEYS[1]', "'XDEL'", 'KEYS[1]', "'0-1'"]],
  "for k = 2, #KEYS do cg_checks[#cg_checks + 1] = {'xadd', KEYS[k], 'XADD', KEYS[k], '*', 'f', 'v'} end",
)}
local meta = {original_id = true, original_stream = true, original_group = true, consumer = true, delivery_count = true, reason = true, failed_at = true}
local dlq = KEYS[1]
local out = {}
local i = 1
while i <= #ARGV do
  local id, t, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local e = redis.call('XRANGE', dlq, id, id)
  if #e == 0 then
    out[#out + 1] = 's'; out[#out + 1] = ''
  else
    local r
    if n < 0 then
      local src, f = e[1][2], {}
      for j = 1, #src, 2 do
        if not meta[src[j]] then f[#f + 1] = src[j]; f[#f + 1] = src[j + 1] end
      end
      r = redis.pcall('XADD', KEYS[t], '*', unpack(f))
    else
      r = redis.pcall('XADD', KEYS[t], '*', unpack(ARGV, i + 3, i + 2 + n))
    end
    if type(r) == 'table' and r.err then
      out[#out + 1] = 'e'; out[#out + 1] = r.err
    else
      redis.call('XDEL', dlq, id)
      out[#out + 1] = 'r'; out[#out + 1] = r
    end
  end
  i = i + 3 + math.max(n, 0)
end
return out
`

/**
 * What a replay needs to know of a page of DLQ entries, without shipping their fields to the client.
 * KEYS: dlq. ARGV: start (inclusive or "(id"), count. Per entry returns three strings: the id, the
 * layout (a, b, or 0 for an entry with no original fields) and "=" .. original_stream ("" when absent).
 */
export const SUMMARY_PAGE = `
local meta = {original_id = true, original_stream = true, original_group = true, consumer = true, delivery_count = true, reason = true, failed_at = true}
local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])) do
  local f, layout, stream = e[2], '0', ''
  for j = 1, #f, 2 do
    local name = f[j]
    if name == 'original_data' then layout = 'b'
    elseif name == 'original_stream' then if stream == '' then stream = '=' .. f[j + 1] end
    elseif layout == '0' and not meta[name] then layout = 'a' end
  end
  out[#out + 1] = e[1]; out[#out + 1] = layout; out[#out + 1] = stream
end
return out
`
