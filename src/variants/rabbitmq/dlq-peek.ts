import {browseDlq} from '../../services/rabbitmq/dlq-browse.js'
import type {VariantContext} from '../types.js'
import {header} from './dlq-list.js'

/** cg dlq peek QUEUE [ID]: messages in full (x-death history, properties, typed headers, body); all put back. */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; count?: number}
  let {stream, id} = ctx.args
  // `cg dlq peek --dlq QUEUE ID`: with the DLQ named, a lone argument is the message id
  if (f.dlq && stream !== undefined && id === undefined) [stream, id] = [undefined, stream]
  const report = await browseDlq(await ctx.rabbitmq(), {
    queue: stream,
    dlq: f.dlq,
    count: f.count ?? 10,
    where: [],
    id,
    maxBody: null,
    signal: ctx.signal,
  })
  await ctx.output(report, async (d, ui) => {
    await header(d, ui)
    for (const m of d.messages) {
      await ui.line(ui.color.bold(`#${m.position}  message-id ${m.messageId ?? '-'}`) + ui.color.dim(`  replay id ${m.replayId}`))
      await ui.kv([
        ['redelivered', m.redelivered],
        ['delivery count', m.deliveryCount],
        ['cg replays', m.replayCount],
        ['replay target', m.target ? `${m.target.key} routing key ${JSON.stringify(m.target.routingKey)}` : null],
        ['dlq routing key', m.routingKey],
      ])
      await ui.line(ui.color.dim('x-death (most recent first):'))
      for (const x of m.deaths) {
        await ui.line(`  ${x.reason ?? '?'} x${x.count ?? '?'} from queue ${x.queue ?? '?'} (exchange ${x.exchange === '' ? '(default)' : x.exchange}, routing keys ${x.routingKeys.join(' ') || '-'}) at ${x.time ?? '?'}` + (x.originalExpiration ? `, original expiration ${x.originalExpiration} ms` : ''))
      }
      if (!m.deaths.length) await ui.line('  (none: this message was not dead-lettered by the broker)')
      await ui.line(ui.color.dim('properties:'))
      await ui.kv(Object.entries(m.properties).map(([k, v]) => ['  ' + k, v] as [string, unknown]))
      const other = Object.entries(m.headers).filter(([k]) => k !== 'x-death')
      if (other.length) {
        await ui.line(ui.color.dim('headers:'))
        await ui.kv(other.map(([k, v]) => ['  ' + k, v] as [string, unknown]))
      }
      await ui.line(ui.color.dim(`body (${m.body.bytes} bytes, ${m.body.encoding === 'utf8' ? 'UTF-8 text' : 'base64: not valid UTF-8 text'}):`))
      await ui.line(m.body.value)
      await ui.line()
    }
    if (!d.messages.length) await ui.line(ui.color.dim('(empty)'))
    await ui.line(ui.color.yellow(d.sideEffect))
  })
}
