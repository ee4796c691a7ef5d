import type {KafkaAdapter} from '../brokers/kafka/kafka-types.js'
import type {RabbitAdapter} from '../brokers/rabbitmq/rabbitmq-types.js'
import type {HumanRenderer} from '../output/render.js'
import type {Profile} from '../profiles/resolve.js'

/**
 * What a command hands its Kafka or RabbitMQ variant: the parsed arguments and flags (the command's own
 * declarations, shared by every broker), the profile, the adapter, and the output and exit helpers.
 * A variant parses what is broker-specific, calls one service, and renders through `output`.
 */
export interface VariantContext {
  /** the command id, e.g. "dlq:replay" */
  readonly id: string
  readonly args: Record<string, string | undefined>
  readonly flags: Record<string, unknown>
  /** aborted on the first Ctrl-C */
  readonly signal: AbortSignal
  readonly json: boolean
  profile(): Promise<Profile>
  kafka(): Promise<KafkaAdapter>
  rabbitmq(): Promise<RabbitAdapter>
  output<R>(data: R, human: HumanRenderer<R>): Promise<void>
  /** exit 3 when some failed, 130 when interrupted, the stop error's code when a lost broker stopped it */
  exitFor(report: {failed?: number; interrupted?: boolean; stoppedBy?: unknown}): void
}

export type Variant = (ctx: VariantContext) => Promise<void>

/** command id -> the module that runs it on this broker; ids left out are refused (exit 4) by the caller. */
export type VariantTable = Record<string, () => Promise<{run: Variant}>>
