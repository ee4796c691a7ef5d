// Informational baseline for `cg dlq replay DLQ`: the bare amqplib loop with the same safety (manual-ack
// consume with prefetch 1000, mandatory publish to x-death[0].exchange/routing key on a confirm channel,
// ack after the confirm), without cg's checks, replay headers, return tracking, filters or report.
// Stops after N messages. Prints {replayed}.
// usage: node rabbitmq-replay-raw.js AMQP_URL DLQ N
import amqp from 'amqplib'
import {fail} from './common.js'

const [url, dlq, nArg] = process.argv.slice(2)
const n = Number(nArg)
try {
  const conn = await amqp.connect(url, {noDelay: true})
  const ch = await conn.createChannel()
  const pub = await conn.createConfirmChannel()
  await ch.prefetch(1000)
  let done = 0
  await new Promise((resolve, reject) => {
    ch.consume(dlq, (m) => {
      const d = m.properties.headers['x-death'][0]
      pub.publish(d.exchange, d['routing-keys'][0], m.content, {...m.properties, mandatory: true}, (err) => {
        if (err) return reject(err)
        ch.ack(m)
        if (++done === n) resolve()
      })
    }).catch(reject)
  })
  process.stdout.write(JSON.stringify({replayed: done}) + '\n')
  // the channel close goes after its acks; a connection close alone can overtake them
  await ch.close()
  await pub.close()
  await conn.close()
} catch (e) {
  fail(e)
}
