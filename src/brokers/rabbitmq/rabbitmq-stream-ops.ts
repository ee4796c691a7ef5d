// The operations on a stream queue's named consumers: their stored offsets (consumers, lag, pending) and
// moving one (reset). The inspect operations hand a stream queue here; reset takes only stream queues.
import type {OpRequest} from '../../core/requests.js'
import type {ChangeResult} from '../../core/results.js'
import {CgError, usage} from '../../errors/cg-error.js'
import {parseDatetime} from '../../services/time.js'
import {queueArg} from './rabbitmq-args.js'
import {getQueue, type RawQueue} from './rabbitmq-reads.js'
import {
  connectedConsumers,
  firstOffset,
  lastOffset,
  offsetAtTime,
  readWaitMs,
  requireStream,
  storedOffset,
  storeOffset,
  streamPositions,
  type StreamPosition,
} from './rabbitmq-streams.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

/** The names asked for: --consumer (repeatable), else the profile's consumer. */
export function givenNames(req: OpRequest<'consumers' | 'lag' | 'pending'>): string[] {
  const flag = (req.flags as {consumer?: string[]}).consumer ?? []
  const fromProfile = req.profile.consumer ? [req.profile.consumer] : []
  return flag.length ? flag : fromProfile
}

/** A stream's named consumer as a consumers row: the core (pending = its lag, idleMs unknown) and its offsets. */
export interface StreamConsumerRow extends StreamPosition {
  pending: number | null
  idleMs: number | null
}

export interface StreamConsumersResult {
  broker: 'rabbitmq'
  group: string
  sources: string[]
  vhost: string
  type: 'stream'
  lastOffset: number | null
  consumers: StreamConsumerRow[]
  warnings: string[]
}

export async function namedConsumers(a: RabbitAdapter, q: RawQueue, names: string[]): Promise<StreamConsumersResult> {
  const {positions, connected, lastOffset: last} = await streamPositions(a, q, names)
  const warnings: string[] = []
  const unnamed = connected.filter((c) => c.name === null && c.protocol === 'stream').length
  if (unnamed) warnings.push(`${unnamed} connected stream consumer(s) of ${q.name} carry no name: their stored offsets can be read with --consumer NAME`)
  if (!positions.length) warnings.push(`RabbitMQ ${await a.serverVersion()} cannot list the names that have stored offsets: give them with --consumer NAME`)
  return {
    broker: 'rabbitmq',
    group: q.name,
    sources: [q.name],
    vhost: q.vhost,
    type: 'stream',
    lastOffset: last,
    consumers: positions.map((p) => ({...p, pending: p.lag, idleMs: null})),
    warnings,
  }
}

export interface StreamResetResult extends ChangeResult {
  broker: 'rabbitmq'
  group: string
  sources: string[]
  vhost: string
  consumer: string
  mode: 'to-earliest' | 'to-latest' | 'to-offset' | 'to-datetime'
  modeValue: string | null
  /** the stored offset before (null: none stored) */
  currentOffset: number | null
  /** the offset to store */
  targetOffset: number
  firstOffset: number | null
  lastOffset: number | null
  executed: boolean
  /** the stored offset read back after the store (null on a dry run) */
  after: number | null
  warnings: string[]
}

/** `cg reset STREAM --consumer NAME MODE [--execute]`: a stream's stored offset; refused while NAME is connected. */
export async function resetOp(a: RabbitAdapter, req: OpRequest<'reset'>): Promise<StreamResetResult> {
  const stream = queueArg(req, 'cg reset [STREAM] --consumer NAME MODE [--execute]')
  const f = req.flags
  // a classic or quorum queue is refused (exit 4) whatever the flags: it has no position to move
  const vhost = a.options.vhost
  const q = await getQueue(a, vhost, stream)
  requireStream(q, 'cg reset')
  const name = f.consumer ?? req.profile.consumer ?? undefined
  if (!name) throw usage('missing --consumer NAME', 'Name the consumer whose stored offset moves (its reference name in the stream client).')
  const modes = (['to-earliest', 'to-latest', 'to-offset', 'to-datetime'] as const).filter((m) => f[m] !== undefined && f[m] !== false)
  const others = (['by-duration', 'shift-by', 'to-current', 'from-file'] as const).filter((m) => f[m] !== undefined && f[m] !== false)
  if (others.length) throw usage(`--${others[0]} is not taken on a RabbitMQ stream`, 'Use --to-earliest, --to-latest, --to-offset N or --to-datetime T.')
  if (modes.length !== 1)
    throw usage(
      modes.length ? `give one mode, not ${modes.map((m) => `--${m}`).join(' and ')}` : 'missing mode',
      'Use --to-earliest, --to-latest, --to-offset N or --to-datetime T.',
    )
  const mode = modes[0]
  const live = (await connectedConsumers(a, q)).filter((c) => c.name === name)
  if (live.length) {
    throw new CgError(
      'refused',
      `consumer ${name} of stream ${stream} is connected (${live.map((c) => c.connection ?? 'a connection').join(', ')}): its stored offset is not moved under it`,
      'Stop that consumer first, then run the reset again.',
    )
  }
  const client = await a.streamClient()
  const wait = readWaitMs(a)
  const current = await storedOffset(client, stream, name)
  let [first, last] = [await firstOffset(client, stream, wait), await lastOffset(client, stream, wait)]
  // one end read and not the other, or messages counted by the management API: a silent read is a slow
  // broker, not an empty stream; read again within the whole --timeout before refusing or clamping
  if ((first !== null || last !== null || (q.messages ?? 0) > 0) && a.options.timeoutMs > wait) {
    if (first === null) first = await firstOffset(client, stream, a.options.timeoutMs)
    if (last === null) last = await lastOffset(client, stream, a.options.timeoutMs)
  }
  const warnings: string[] = []
  let target: number
  let modeValue: string | null = null
  if (mode === 'to-earliest' || mode === 'to-latest') {
    if (first === null || last === null)
      throw new CgError('refused', `stream ${stream} is empty: there is no offset to move to`, 'Publish to it first, or leave the stored offset as it is.')
    // the stored offset is the last message processed: "earliest" redelivers from the first one on
    target = mode === 'to-earliest' ? Math.max(0, first - 1) : last
    if (mode === 'to-earliest' && first === 0)
      warnings.push('offset 0 is stored: a consumer resuming after its stored offset starts at 1 (the protocol cannot store "nothing processed")')
  } else if (mode === 'to-offset') {
    modeValue = String(f['to-offset'])
    if (!/^\d+$/.test(modeValue)) throw usage(`--to-offset ${modeValue}: not an offset`, 'Give a whole number (the offset of the last message processed).')
    target = Number(modeValue)
    if (last !== null && target > last) {
      warnings.push(`offset ${target} is past the stream's last offset ${last}: clamped`)
      target = last
    }
    if (first !== null && target < first - 1) {
      warnings.push(`offset ${target} is before the stream's first offset ${first}: clamped`)
      target = first - 1
    }
  } else {
    modeValue = String(f['to-datetime'])
    const ms = parseDatetime(modeValue)
    if (first === null || last === null) throw new CgError('refused', `stream ${stream} is empty: there is no offset to move to`, 'Publish to it first.')
    // a broker that sends nothing may be slow, or the time may be after every chunk: before taking the end
    // (which would skip whatever was written after that time), wait the whole command timeout once more
    let at = await offsetAtTime(client, stream, ms, wait)
    if (at === null && a.options.timeoutMs > wait) at = await offsetAtTime(client, stream, ms, a.options.timeoutMs)
    // the first message written at or after that time is delivered next: the stored offset is the one before it
    target = at === null ? last : Math.max(0, at - 1)
    if (at === null)
      warnings.push(`nothing was written at or after ${new Date(ms).toISOString()} (waited ${a.options.timeoutMs} ms): the stored offset is the last one`)
    if (at === 0) warnings.push('offset 0 is stored: a consumer resuming after its stored offset starts at 1 (the protocol cannot store "nothing processed")')
  }
  for (const w of warnings) req.run.warn(w)
  const dryRun = !f.execute || f['dry-run']
  let after: number | null = null
  if (!dryRun) {
    await storeOffset(client, stream, name, target)
    after = await storedOffset(client, stream, name)
    if (after !== target) throw new CgError('unexpected', `stored offset ${target} for ${name} on ${stream}, read back ${after}`)
  }
  return {
    broker: 'rabbitmq',
    dryRun,
    group: stream,
    sources: [stream],
    vhost,
    consumer: name,
    mode,
    modeValue,
    currentOffset: current,
    targetOffset: target,
    firstOffset: first,
    lastOffset: last,
    executed: !dryRun,
    after,
    warnings,
  }
}
