// The adapter factory is gone (src/brokers/registry.ts loads each broker's driver). src/brokers/kafka and
// src/brokers/rabbitmq still import ConnectOptions from here until they take it from src/core/driver.ts;
// delete this file once nothing imports it.
export type {ConnectOptions} from '../core/driver.js'
