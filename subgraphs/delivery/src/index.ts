export { startDeliveryApp, type DeliveryApp } from './app.js';
export { deliveryConfigSchema, type DeliveryConfig } from './config.js';
export { SHIPMENT_STATUSES, type ShipmentStatus } from './domain/shipment.js';
export { createDeliveryOrm } from './persistence/orm.js';
export { buildDeliverySchema } from './schema.js';
export { ALWAYS, seedDelivery, type DeliverySeed, type PartnerSeed } from './seed.js';
export { openDeliveryModule, type DeliveryModule } from './delivery.module.js';
export { seedDemoPartners } from './dev-seed.js';
export { rankCandidates, SCORE_WEIGHTS } from './domain/assignment.js';
