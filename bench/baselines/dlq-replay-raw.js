// Baseline for `cg dlq replay STREAM --dlq DLQ`, without atomicity: XRANGE the DLQ in batches of 500
// (exclusive start), then one pipeline per batch: XADD each entry's original fields (provenance fields
// dropped) to the stream and one XDEL of the batch's ids from the DLQ. Prints how many it replayed.
// usage: node dlq-replay-raw.js URL STREAM DLQ
import {client, fail} from './common.js'

const [url, stream, dlq] = process.argv.slice(2)
const BATCH = 500
const META = new Set(['original_id', 'original_stream', 'original_group', 'consumer', 'delivery_count', 'reason', 'failed_at'])
try {
  const r = await client(url)
  let start = '-'
  let replayed = 0
  for (;;) {
    const entries = await r.xrangeBuffer(dlq, start, '+', 'COUNT', BATCH)
    if (!entries.length) break
    const p = r.pipeline()
    const ids = []
    for (const [idBuf, fields] of entries) {
      ids.push(idBuf.toString())
      const orig = []
      for (let i = 0; i < fields.length; i += 2) if (!META.has(fields[i].toString())) orig.push(fields[i], fields[i + 1])
      p.xadd(stream, '*', ...orig)
    }
    p.xdel(dlq, ...ids)
    const res = await p.exec()
    const bad = res.find(([err]) => err)
    if (bad) throw bad[0]
    replayed += entries.length
    if (entries.length < BATCH) break
    start = '(' + ids[ids.length - 1]
  }
  process.stdout.write(JSON.stringify({replayed}) + '\n')
  await r.quit()
} catch (e) {
  fail(e)
}
