// PLACEHOLDER: the kafka-lag benchmark.
export const name = 'kafka-lag'
export async function run() {
  throw new Error('kafka-lag: not built yet')
}
