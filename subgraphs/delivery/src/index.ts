export { startDeliveryApp, type DeliveryApp } from './app.js';
export { deliveryConfigSchema, type DeliveryConfig } from './config.js';
export { SHIPMENT_STATUSES, type ShipmentStatus } from './domain/shipment.js';
export { createDeliveryOrm } from './persistence/orm.js';
export { buildDeliverySchema } from './schema.js';
export { seedDelivery, type DeliverySeed } from './seed.js';
