// PLACEHOLDER: the kafka-dlq benchmark.
export const name = 'kafka-dlq'
export async function run() {
  throw new Error('kafka-dlq: not built yet')
}
