// The Kafka connection's shape. The adapter holds the clients (created on first use, closed once); each area
// (inspection, offsets, DLQ) has its own files of functions that take it, and kafka-driver.ts calls them.
import type {Admin, Producer, Consumer, ProducerOptions, ConsumerOptions} from '@platformatic/kafka'
import type {Connection} from '../../core/driver.js'

export interface KafkaClientOptions {
  clientId: string
  bootstrapBrokers: string[]
  /** per request, ms */
  timeout: number
  /** TCP (+TLS, SASL) connect, ms: at most 5 s so an unreachable broker fails fast */
  connectTimeout: number
  requestTimeout: number
  retries: number
  retryDelay: number
  /** node:tls options, present for kafkas:// or a profile `tls:` */
  tls?: Record<string, unknown>
  sasl?: KafkaSasl
}

/** SASL as @platformatic/kafka takes it: a user and password, or (OAUTHBEARER) a token provider. */
export type KafkaSasl =
  | {mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string}
  | {
      mechanism: 'OAUTHBEARER'
      token: () => Promise<string>
      /** the broker's answer: an RFC 7628 error (`{"status":"invalid_token"}`) fails the login */
      authBytesValidator: (authBytes: Buffer, callback: (error: Error | null, bytes?: Buffer) => void) => void
    }

export interface KafkaAdapter extends Connection {
  readonly broker: 'kafka'
  /** the options every client of this adapter is made with (secrets included: never print) */
  readonly options: KafkaClientOptions
  /** the one admin client of this run */
  admin(): Promise<Admin>
  /** a producer with these extra options; closed with the adapter */
  producer(extra?: Partial<ProducerOptions<Buffer, Buffer, Buffer, Buffer>>): Promise<Producer<Buffer, Buffer, Buffer, Buffer>>
  /** a consumer with these extra options; closed with the adapter */
  consumer(extra: Partial<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>> & {groupId: string}): Promise<Consumer<Buffer, Buffer, Buffer, Buffer>>
}
