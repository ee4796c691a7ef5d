// RabbitMQ runs through its driver (src/brokers/rabbitmq/rabbitmq-driver.ts). This list remains only for
// test/unit/help.test.ts, which checks the help against it: it is the driver's operations, and it goes
// once that test reads the driver's `ops` instead.
import {driver} from '../../brokers/rabbitmq/rabbitmq-driver.js'
import type {VariantTable} from '../types.js'

const throughTheDriver = async (): Promise<never> => {
  throw new Error('RabbitMQ commands run through src/brokers/rabbitmq/rabbitmq-driver.ts')
}

export const RABBITMQ: VariantTable = Object.fromEntries(Object.keys(driver.ops).map((op) => [op, throughTheDriver]))
