// Not a variant table any more: Kafka's commands are the operations of src/brokers/kafka/kafka-driver.ts.
// Kept only while test/unit/help.test.ts reads the Kafka commands from here; it goes when that test asks
// the driver (`id in driver.ops`).
import {driver} from '../../brokers/kafka/kafka-driver.js'
import type {VariantTable} from '../types.js'

export const KAFKA: VariantTable = Object.fromEntries(
  Object.keys(driver.ops).map((op) => [op, () => Promise.reject(new Error(`${op} runs through the Kafka driver`))]),
)
