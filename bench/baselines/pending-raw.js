// Baseline for `cg pending STREAM GROUP --all --json`: XPENDING pages of 5000 (cg's page size) with an
// exclusive start "(id", each entry serialised with JSON.stringify and written to stdout.
// usage: node pending-raw.js URL STREAM GROUP
import {client, fail, stdoutWriter} from './common.js'

const [url, stream, group] = process.argv.slice(2)
const PAGE = 5000
try {
  const r = await client(url)
  const out = stdoutWriter()
  let start = '-'
  let n = 0
  await out.write('{"entries":[')
  for (;;) {
    const rows = await r.call('XPENDING', stream, group, start, '+', PAGE)
    for (const [id, consumer, idle, deliveries] of rows) {
      await out.write((n++ ? ',' : '') + JSON.stringify({id, consumer, idleMs: Number(idle), deliveries: Number(deliveries)}))
    }
    if (rows.length < PAGE) break
    start = '(' + rows[rows.length - 1][0]
  }
  await out.write(']}\n')
  await out.flush()
  await r.quit()
} catch (e) {
  fail(e)
}
