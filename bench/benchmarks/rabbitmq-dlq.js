// PLACEHOLDER: the rabbitmq-dlq benchmark.
export const name = 'rabbitmq-dlq'
export async function run() {
  throw new Error('rabbitmq-dlq: not built yet')
}
