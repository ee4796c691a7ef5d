// Baseline for `cg groups --json`: SCAN 0 TYPE stream COUNT 1000, then XINFO GROUPS for each batch in
// one pipeline; every group is turned into a row and written to stdout as JSON.
// usage: node groups-raw.js URL
import {client, fail, stdoutWriter} from './common.js'

const [url] = process.argv.slice(2)
try {
  const r = await client(url)
  const out = stdoutWriter()
  let first = true
  await out.write('{"groups":[')
  let cursor = '0'
  do {
    const [next, keys] = await r.scan(cursor, 'COUNT', 1000, 'TYPE', 'stream')
    cursor = next
    if (!keys.length) continue
    const p = r.pipeline()
    for (const k of keys) p.call('XINFO', 'GROUPS', k)
    const replies = await p.exec()
    for (let i = 0; i < keys.length; i++) {
      const [err, groups] = replies[i]
      if (err) continue
      for (const g of groups) {
        const f = {}
        for (let j = 0; j < g.length; j += 2) f[g[j]] = g[j + 1]
        const row = {
          source: keys[i],
          group: f.name,
          consumers: f.consumers,
          pending: f.pending,
          lastDeliveredId: f['last-delivered-id'],
          entriesRead: f['entries-read'] ?? null,
          lag: f.lag ?? null,
        }
        await out.write((first ? '' : ',') + JSON.stringify(row))
        first = false
      }
    }
  } while (cursor !== '0')
  await out.write(']}\n')
  await out.flush()
  await r.quit()
} catch (e) {
  fail(e)
}
