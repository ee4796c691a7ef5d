// The driver contract: what every broker does behind cg's commands. One folder per broker
// (src/brokers/<broker>/) exports a DriverModule from its <broker>-driver.ts; src/brokers/registry.ts lists them.
import type {Profile} from '../profiles/resolve.js'
import type {BrokerKind} from './broker.js'
import type {Operation, ReadOp} from './operations.js'
import type {OpRequest, Request} from './requests.js'
import type {OpResults} from './results.js'

export interface ServerInfo {
  broker: BrokerKind
  version: string | null
  mode: string | null
  latencyMs: number
  /** Redis Sentinel: the master the sentinels named, "NAME at HOST:PORT" */
  master?: string
}

export interface ConnectOptions {
  /** connect and command timeout, ms */
  timeoutMs: number
  /** notes for --verbose (connecting, cluster detection) */
  debug?: (message: string) => void
}

/** A broker connection (clients open lazily on first use and close once). */
export interface Connection {
  ping(): Promise<ServerInfo>
  close(): Promise<void>
}

// Method syntax: a driver's handlers take its own connection type, and the registry holds them as DriverModule.
export type OpHandler<O extends Operation, C> = {handle(conn: C, req: OpRequest<O>): Promise<OpResults[O]>}['handle']

/** The reads every driver has; the repairs and DLQ operations it has are its capabilities. */
export type DriverOps<C> = {[O in ReadOp]: OpHandler<O, C>} & {[O in Exclude<Operation, ReadOp>]?: OpHandler<O, C>}

export interface DriverModule<C extends Connection = Connection> {
  readonly broker: BrokerKind
  readonly ops: DriverOps<C>
  /** for each operation the broker lacks: why, and what to use instead (the hint of its exit 4) */
  readonly refusals: Partial<Record<Operation, string>>
  connect(profile: Profile, opts: ConnectOptions): Promise<C>
  /** refuses (usage error, exit 2) names this broker cannot hold, before anything connects */
  checkNames?(op: Operation, req: Request<Record<string, unknown>>): void
}
