// Baseline for `cg dlq move STREAM GROUP --min-idle 0 --dlq DLQ`, without atomicity: XRANGE the stream in
// batches of 500 (exclusive start), then one pipeline per batch: XADD each entry to the DLQ (its fields
// plus the same provenance fields cg writes: original_id, original_stream, original_group, reason,
// failed_at) and one XACK of the batch's ids on the stream. Prints how many entries it moved.
// usage: node dlq-move-raw.js URL STREAM GROUP DLQ
import {client, fail} from './common.js'

const [url, stream, group, dlq] = process.argv.slice(2)
const BATCH = 500
try {
  const r = await client(url)
  let start = '-'
  let moved = 0
  for (;;) {
    const entries = await r.xrangeBuffer(stream, start, '+', 'COUNT', BATCH)
    if (!entries.length) break
    const p = r.pipeline()
    const now = String(Date.now())
    const ids = []
    for (const [idBuf, fields] of entries) {
      const id = idBuf.toString()
      ids.push(id)
      p.xadd(dlq, '*', ...fields, 'original_id', id, 'original_stream', stream, 'original_group', group, 'reason', 'min-idle', 'failed_at', now)
    }
    p.xack(stream, group, ...ids)
    const res = await p.exec()
    const bad = res.find(([err]) => err)
    if (bad) throw bad[0]
    moved += entries.length
    if (entries.length < BATCH) break
    start = '(' + ids[ids.length - 1]
  }
  process.stdout.write(JSON.stringify({moved}) + '\n')
  await r.quit()
} catch (e) {
  fail(e)
}
