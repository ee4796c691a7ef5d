// Baseline for `cg claim STREAM GROUP --idle 0 --to CONSUMER`: XAUTOCLAIM ... 0 cursor COUNT 1000 JUSTID
// until the cursor comes back as 0-0. Prints how many entries it claimed.
// usage: node claim-raw.js URL STREAM GROUP CONSUMER
import {client, fail} from './common.js'

const [url, stream, group, to] = process.argv.slice(2)
try {
  const r = await client(url)
  let cursor = '0-0'
  let claimed = 0
  do {
    const [next, ids] = await r.call('XAUTOCLAIM', stream, group, to, 0, cursor, 'COUNT', 1000, 'JUSTID')
    claimed += ids.length
    cursor = next
  } while (cursor !== '0-0')
  process.stdout.write(JSON.stringify({claimed}) + '\n')
  await r.quit()
} catch (e) {
  fail(e)
}
