// RabbitMQ row: `cg dlq replay` of 100,000 dead-lettered messages beside the management UI's "Move
// messages" (a dynamic shovel, ack-mode on-confirm, src-delete-after queue-length) moving the same number
// in the same run. Each run gets its own freshly dead-lettered DLQ: messages published to an exchange,
// routed to a source queue with a 1 ms TTL, expired through a dead-letter exchange into the DLQ; then the
// source queue is unbound and a target queue bound to the exchange in its place. cg replays to
// x-death[0].exchange (-> target); the shovel moves the DLQ into the target queue.
import amqp from 'amqplib'
import {BASELINES_DIR, CG_BIN, PREFIX, QUICK, scale} from '../lib/config.js'
import {node} from '../lib/proc.js'
import {pair, PROCESS_METHOD} from '../lib/pair.js'
import {row} from '../lib/report.js'

export const name = 'rabbitmq-dlq'
export const AMQP_URL = process.env.BENCH_RABBIT_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
export const MGMT_URL = process.env.BENCH_RABBIT_MGMT ?? 'http://127.0.0.1:15672'
const MESSAGES = scale(100_000)
const REPS = Number(process.env.BENCH_RABBIT_REPS ?? 3)
const TARGET = 1
const BODY = 100

/**
 * One side of a replay of the seeded `s` (n messages), as node's arguments: cg's replay, the management
 * shovel (`shovel`) or the bare amqplib loop (`raw`). The row and the probes beside it run the same sides.
 */
export function replaySide(side, s, n = MESSAGES) {
  if (side === 'cg') return [CG_BIN, 'dlq', 'replay', s.dlq, '--json', '--url', AMQP_URL]
  if (side === 'shovel') return [BASELINES_DIR + 'rabbitmq-shovel-move.js', AMQP_URL, MGMT_URL, '/', s.dlq, s.target, String(n)]
  if (side === 'raw') return [BASELINES_DIR + 'rabbitmq-replay-raw.js', AMQP_URL, s.dlq, String(n)]
  throw new Error(`unknown side ${side}: cg, shovel or raw`)
}

async function depth(ch, q) {
  return (await ch.checkQueue(q)).messageCount
}

async function waitDepth(ch, q, n, timeoutMs = 300_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const d = await depth(ch, q)
    if (d === n) return
    if (Date.now() > until) throw new Error(`${q}: ${d} messages, expected ${n}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A DLQ of n messages dead-lettered for real, and a target queue bound where they came from. */
export async function seed(conn, ch, tag, n, made) {
  const base = `${PREFIX}rmq-${tag}`
  const s = {exchange: `${base}.orders`, dlx: `${base}.dlx`, source: `${base}.src`, dlq: `${base}.dlq`, target: `${base}.target`}
  made.push(s)
  await ch.assertExchange(s.exchange, 'direct', {durable: false})
  await ch.assertExchange(s.dlx, 'fanout', {durable: false})
  await ch.assertQueue(s.dlq, {durable: false})
  await ch.bindQueue(s.dlq, s.dlx, '')
  await ch.assertQueue(s.source, {durable: false, arguments: {'x-dead-letter-exchange': s.dlx, 'x-message-ttl': 1}})
  await ch.bindQueue(s.source, s.exchange, 'order.created')
  const conf = await conn.createConfirmChannel()
  const pad = 'x'.repeat(BODY - 30)
  for (let i = 0; i < n; i++) {
    const ok = conf.publish(s.exchange, 'order.created', Buffer.from(JSON.stringify({id: i, pad}).slice(0, BODY)), {
      messageId: `m-${i}`,
      headers: {tenant: 'acme', attempt: 1},
    })
    if (!ok) await new Promise((r) => conf.once('drain', r))
    if (i % 10_000 === 9_999) await conf.waitForConfirms()
  }
  await conf.waitForConfirms()
  await conf.close()
  await waitDepth(ch, s.dlq, n)
  await ch.unbindQueue(s.source, s.exchange, 'order.created')
  await ch.assertQueue(s.target, {durable: false})
  await ch.bindQueue(s.target, s.exchange, 'order.created')
  return s
}

export async function drop(ch, s) {
  for (const q of [s.source, s.dlq, s.target]) await ch.deleteQueue(q).catch(() => undefined)
  for (const x of [s.exchange, s.dlx]) await ch.deleteExchange(x).catch(() => undefined)
}

export async function run({log}) {
  const conn = await amqp.connect(AMQP_URL)
  conn.on('error', () => undefined)
  const ch = await conn.createChannel()
  const made = []
  let n = 0
  try {
    const version = await fetch(`${MGMT_URL}/api/overview`, {headers: {authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64')}})
      .then((r) => r.json())
      .then((o) => o.rabbitmq_version)
    log(`  RabbitMQ ${version}; ${MESSAGES} dead-lettered messages per run, ${REPS} runs per side`)
    const res = await pair({
      reps: REPS,
      prepare: (side) => seed(conn, ch, `${side}${n++}`, MESSAGES, made),
      cg: (s) => node(replaySide('cg', s)),
      baseline: (s) => node(replaySide('shovel', s)),
      verify: async (side, s) => {
        const [d, t] = [await depth(ch, s.dlq), await depth(ch, s.target)]
        if (d !== 0 || t !== MESSAGES) throw new Error(`${side}: DLQ holds ${d} and the target ${t}, expected 0 and ${MESSAGES}`)
        await drop(ch, s)
      },
      log,
    })
    log('  beside the bare amqplib loop (informational):')
    const raw = await pair({
      reps: REPS,
      prepare: (side) => seed(conn, ch, `raw-${side}${n++}`, MESSAGES, made),
      cg: (s) => node(replaySide('cg', s)),
      baseline: (s) => node(replaySide('raw', s)),
      verify: async (side, s) => {
        const [d, t] = [await depth(ch, s.dlq), await depth(ch, s.target)]
        if (d !== 0 || t !== MESSAGES) throw new Error(`${side}: DLQ holds ${d} and the target ${t}, expected 0 and ${MESSAGES}`)
        await drop(ch, s)
      },
      log,
    })
    const perSec = (ms) => (MESSAGES * 1000) / ms
    return [
      row({
        name: 'rabbitmq-dlq-replay-100k',
        benchmark: name,
        kind: 'throughput',
        unit: 'msgs/s',
        target: TARGET,
        iterations: REPS,
        cg: perSec(res.cgMs),
        baseline: perSec(res.baselineMs),
        timeMs: {cg: res.cgMs, baseline: res.baselineMs},
        size: {messages: MESSAGES, bodyBytes: BODY, queues: 'classic, non-durable, transient messages'},
        rabbitmq: version,
        command: `cg dlq replay DLQ --json --url ${AMQP_URL} > /dev/null`,
        baselineCommand:
          'node bench/baselines/rabbitmq-shovel-move.js (the management UI "Move messages": PUT /api/parameters/shovel/... ack-mode on-confirm, src-delete-after queue-length; timed from the PUT until the target holds N and the DLQ is empty)',
        method:
          PROCESS_METHOD.replace('with ioredis', 'creating the shovel through the management API') +
          ` of ${REPS}; throughput = messages / median wall time; ratio = cg throughput / shovel throughput (>= ${TARGET} means cg is at least as fast)`,
        peakRssMb: {cg: res.cgRssMb, baseline: res.baselineRssMb},
        samples: res.samples,
        note: `cg: manual-ack consume (prefetch 5000), mandatory publish to x-death[0].exchange on a confirm channel, ack after confirm; shovel: on-confirm, queue to queue${QUICK ? '; QUICK sizes' : ''}`,
      }),
      row({
        name: 'rabbitmq-dlq-replay-vs-raw-amqplib',
        benchmark: name,
        kind: 'info',
        unit: 'msgs/s',
        iterations: REPS,
        cg: perSec(raw.cgMs),
        baseline: perSec(raw.baselineMs),
        timeMs: {cg: raw.cgMs, baseline: raw.baselineMs},
        size: {messages: MESSAGES, bodyBytes: BODY},
        command: `cg dlq replay DLQ --json --url ${AMQP_URL} > /dev/null`,
        baselineCommand:
          'node bench/baselines/rabbitmq-replay-raw.js URL DLQ N (bare amqplib: consume prefetch 1000, mandatory publish to x-death[0] on a confirm channel, ack after confirm)',
        method:
          PROCESS_METHOD.replace('with ioredis', 'with amqplib') + ` of ${REPS}; informational: how close cg comes to an AMQP client's ceiling on this machine`,
        peakRssMb: {cg: raw.cgRssMb, baseline: raw.baselineRssMb},
        samples: raw.samples,
        note: "informational, no target: the same AMQP path without cg's checks, headers and report",
      }),
    ]
  } finally {
    for (const s of made) await drop(ch, s)
    await conn.close().catch(() => undefined)
  }
}
