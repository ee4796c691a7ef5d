// What a command hands its broker's driver: the positional arguments as given (the driver names them in its
// own terms: STREAM GROUP on Redis, GROUP on Kafka, QUEUE on RabbitMQ), the command's flags, typed, the
// profile, and the run's context. Each command's `static flags` must produce its Flags type here: the
// compiler checks it where the command makes its call.
import type {Profile} from '../profiles/resolve.js'
import type {BrokerKind} from './broker.js'
import type {Operation} from './operations.js'

/** Progress of long work: drawn on stderr when it is a terminal, nothing otherwise. */
export interface Progress {
  add(n: number): void
  done(): void
}

/** What a driver gets from the run besides its inputs; it never imports the output layer itself. */
export interface RunContext {
  /** aborted on the first Ctrl-C: long work stops between atomic steps and reports what it did */
  readonly signal: AbortSignal
  /** a progress display for long work (a no-op unless stderr is a terminal) */
  progress(label: string, total?: number | null): Progress
  /** a warning or note for people, on stderr (stdout stays one JSON document) */
  warn(message: string): void
  /** a note for --verbose only, on stderr */
  debug(message: string): void
}

export interface Request<F> {
  /** the positional arguments given, in order (left-out ones are not there) */
  readonly args: readonly string[]
  readonly flags: F
  readonly profile: Profile
  readonly run: RunContext
}

export interface GroupsFlags {
  vhost?: string
  /** Kafka: only groups of these types (classic, consumer, share, streams) */
  type?: string[]
}
export interface ConsumersFlags {
  /** RabbitMQ stream queues: the consumer (reference) names whose stored offsets to read */
  consumer?: string[]
}
export interface PendingFlags {
  consumer?: string[]
  'min-idle'?: number
  count?: number
  all?: boolean
  start?: string
  end?: string
}
export interface LagFlags {
  consumer?: string[]
  stream?: string
  topic?: string
  window?: string
  samples?: number
  vhost?: string
}
/**
 * The scope of a status read, from the arguments: none (every group on the broker), Redis [STREAM] GROUP,
 * Kafka GROUP, RabbitMQ QUEUE. A named group that does not exist is a not-found error (exit 5).
 */
export interface StatusFlags {
  vhost?: string
}
export interface ClaimFlags {
  idle?: string
  to?: string
  from?: string
  count?: string
  justid: boolean
  'dry-run': boolean
}
export interface SetidFlags {
  'entries-read'?: string
  'dry-run': boolean
}
export interface ResetFlags {
  /** RabbitMQ stream queues: the consumer (reference) name whose stored offset moves */
  consumer?: string
  'to-earliest'?: boolean
  'to-latest'?: boolean
  'to-datetime'?: string
  'by-duration'?: string
  'shift-by'?: string
  'to-id'?: string
  'to-current'?: boolean
  'to-offset'?: string
  'from-file'?: string
  topic?: string[]
  'all-topics'?: boolean
  export?: boolean
  execute: boolean
  'dry-run': boolean
}
export interface ConsumerDeleteFlags {
  handoff?: string
  force: boolean
  'dry-run': boolean
}
export interface GroupCreateFlags {
  start: string
  mkstream: boolean
  'entries-read'?: string
  'dry-run': boolean
}
export interface GroupDeleteFlags {
  force: boolean
  'dry-run': boolean
  'delete-internal-topics'?: boolean
}
export interface OffsetsDeleteFlags {
  topic?: string[]
  'dry-run'?: boolean
}
export interface DlqListFlags {
  dlq?: string
  count?: number
  where?: string[]
}
export interface DlqPeekFlags {
  dlq?: string
  count: number
}
export interface DlqMoveFlags {
  'max-deliveries'?: number
  'min-idle'?: number
  ids?: string[]
  dlq?: string
  reason?: string
  limit?: number
  rate?: string
  'dry-run'?: boolean
}
export interface DlqReplayFlags {
  dlq?: string
  ids?: string[]
  where?: string[]
  limit?: number
  rate?: string
  'dry-run'?: boolean
  to?: string
  'to-exchange'?: string
  'routing-key'?: string
}
export interface DlqPurgeFlags {
  dlq?: string
  ids?: string[]
  where?: string[]
  'dry-run'?: boolean
  yes?: boolean
}

/** Each operation's flags. */
export interface OpFlags {
  groups: GroupsFlags
  consumers: ConsumersFlags
  pending: PendingFlags
  lag: LagFlags
  status: StatusFlags
  claim: ClaimFlags
  setid: SetidFlags
  reset: ResetFlags
  'consumer:delete': ConsumerDeleteFlags
  'group:create': GroupCreateFlags
  'group:delete': GroupDeleteFlags
  'offsets:delete': OffsetsDeleteFlags
  'dlq:list': DlqListFlags
  'dlq:peek': DlqPeekFlags
  'dlq:move': DlqMoveFlags
  'dlq:replay': DlqReplayFlags
  'dlq:purge': DlqPurgeFlags
}

export type OpRequest<O extends Operation> = Request<OpFlags[O]>

/** Which brokers a flag means something on; given on another broker it is a usage error (exit 2). */
export type FlagBrokers = readonly BrokerKind[]
