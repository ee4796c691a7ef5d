// A seed kit per broker for the contract suite: it makes a group with known lag, pending work and dead
// letters on a real deployment, says how to name them in that broker's terms, and cleans up after.
export interface Scenario {
  /** --url of the deployment */
  url: string
  /** the arguments of each command, in the broker's own terms */
  argv: {
    groups: string[]
    lag: string[]
    consumers: string[]
    pending: string[]
    replay: string[]
  }
  /** the group's name as every result reports it (on RabbitMQ the queue) */
  group: string
  /** the source the group reads (stream, topic, queue) */
  source: string
  expect: {
    lag: number
    pending: number
    /** rows of cg consumers */
    consumers: number
    deadLetters: number
    /** the group's `type` in cg groups: the kind of group (Kafka group type, RabbitMQ queue type, "stream" on Redis) */
    type: string
  }
  /** a read naming a group that does not exist (exit 5) */
  missingGroup: string[]
  /** an operation this broker has not got (exit 4, with a hint) */
  refused: string[]
  /** a command with a flag of another broker (exit 2) */
  foreignFlag: string[]
  /** how much the source holds (entries, records or ready messages): replays add to it */
  sourceDepth(): Promise<number>
  cleanup(): Promise<void>
}

export interface Kit {
  /** the deployment's name in test titles */
  name: string
  broker: 'redis' | 'kafka' | 'rabbitmq'
  /** a command and --url that reach no broker, for the unreachable case (exit 69) */
  unreachable(s: Scenario): string[]
  seed(): Promise<Scenario>
}
