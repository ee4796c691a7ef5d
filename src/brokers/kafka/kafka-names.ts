import {usage} from '../../errors/cg-error.js'

// Kafka's rules for names: a topic is 1 to 249 characters of [a-zA-Z0-9._-], not "." or ".."
// (org.apache.kafka.common.internals.Topic); every name (group ids, member ids too) goes on the wire as a
// string of at most 32767 bytes. A name outside them cannot exist: refused before any call.

export const TOPIC_MAX_LENGTH = 249
export const STRING_MAX_BYTES = 32767

/** The flags whose values are topics (`--topic` may carry partitions: T:P,P); `--to` names a consumer elsewhere. */
const topicFlags = (command: string) => (command === 'dlq:replay' ? ['topic', 'dlq', 'to'] : ['topic', 'dlq'])

export function checkTopicName(name: string, what: string): void {
  const shown = name.length > 40 ? `${name.slice(0, 40)}...` : name
  if (name.length > TOPIC_MAX_LENGTH)
    throw usage(
      `${what} ${JSON.stringify(shown)} is ${name.length} characters long; Kafka topic names are at most ${TOPIC_MAX_LENGTH}`,
      'Check the topic name (kafka-topics.sh --list lists them).',
    )
  if (!/^[a-zA-Z0-9._-]+$/.test(name) || name === '.' || name === '..') {
    throw usage(
      `${what} ${JSON.stringify(shown)} is not a Kafka topic name`,
      'Topic names are letters, digits, ".", "_" and "-" only (kafka-topics.sh --list lists them).',
    )
  }
}

/** Every positional argument fits a Kafka string; the topic flags hold legal topic names. */
export function checkKafkaNames(command: string, args: readonly string[], flags: Record<string, unknown>): void {
  for (const value of args) {
    if (Buffer.byteLength(value, 'utf8') > STRING_MAX_BYTES) {
      throw usage(
        `the name ${JSON.stringify(value.slice(0, 40) + '...')} is ${Buffer.byteLength(value, 'utf8')} bytes long; Kafka names are at most ${STRING_MAX_BYTES} bytes`,
        'Check the argument (cg groups lists the groups).',
      )
    }
  }
  for (const flag of topicFlags(command)) {
    const raw = flags[flag]
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v !== 'string') continue
      // --topic T:P,P: the topic is what comes before the partitions (a topic name has no ":")
      const topic = flag === 'topic' ? v.split(':')[0] : v
      if (topic !== '') checkTopicName(topic, `--${flag}`)
    }
  }
}
