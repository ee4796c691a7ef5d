// Baseline for `cg dlq replay DLQ`: the management UI's "Move messages" on the same broker. Like the UI,
// it creates a dynamic shovel through the management API (src-uri/dest-uri "amqp://", the node's own
// direct connection; ack-mode on-confirm; src-delete-after queue-length, so it moves the messages there
// when it starts and then deletes itself), and waits until DEST holds N messages more than it did and
// SRC is empty (passive declares every 10 ms). Prints {moved, ms}.
// usage: node rabbitmq-shovel-move.js AMQP_URL MGMT_URL VHOST SRC DEST N
import amqp from 'amqplib'
import {fail} from './common.js'

const [amqpUrl, mgmtUrl, vhost, src, dest, nArg] = process.argv.slice(2)
const n = Number(nArg)
try {
  const u = new URL(amqpUrl)
  const auth = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username || 'guest')}:${decodeURIComponent(u.password || 'guest')}`).toString('base64')
  const conn = await amqp.connect(amqpUrl)
  const ch = await conn.createChannel()
  const before = (await ch.checkQueue(dest)).messageCount
  const name = `cgbench-move-${process.pid}-${Date.now()}`
  const path = `${mgmtUrl}/api/parameters/shovel/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`
  const uri = vhost === '/' ? 'amqp://' : `amqp:///${encodeURIComponent(vhost)}`
  const res = await fetch(path, {
    method: 'PUT',
    headers: {authorization: auth, 'content-type': 'application/json'},
    body: JSON.stringify({
      component: 'shovel',
      vhost,
      name,
      value: {
        'src-protocol': 'amqp091',
        'src-uri': uri,
        'src-queue': src,
        'dest-protocol': 'amqp091',
        'dest-uri': uri,
        'dest-queue': dest,
        'ack-mode': 'on-confirm',
        'src-delete-after': 'queue-length',
      },
    }),
  })
  if (!res.ok) throw new Error(`shovel PUT: HTTP ${res.status} ${await res.text()}`)
  const t0 = performance.now()
  for (;;) {
    const d = (await ch.checkQueue(dest)).messageCount - before
    if (d >= n && (await ch.checkQueue(src)).messageCount === 0) break
    await new Promise((r) => setTimeout(r, 10))
  }
  const ms = performance.now() - t0
  // the shovel deletes itself after queue-length messages; make sure it is gone before the next run
  await fetch(path, {method: 'DELETE', headers: {authorization: auth}}).catch(() => undefined)
  process.stdout.write(JSON.stringify({moved: n, ms}) + '\n')
  await conn.close()
} catch (e) {
  fail(e)
}
