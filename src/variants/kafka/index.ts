// Not a variant table any more: Kafka's commands are the operations of src/brokers/kafka/kafka-driver.ts.
// Kept only while src/variants/index.ts (which nothing calls now) still imports it; both go together.
import {driver} from '../../brokers/kafka/kafka-driver.js'
import type {VariantTable} from '../types.js'

export const KAFKA: VariantTable = Object.fromEntries(
  Object.keys(driver.ops).map((op) => [op, () => Promise.reject(new Error(`${op} runs through the Kafka driver`))]),
)
