export { startOrdersApp, type OrdersApp } from './app.js';
export { ordersConfigSchema, type OrdersConfig } from './config.js';
export { ORDER_STATUSES, type OrderLine, type OrderStatus } from './domain/order.js';
export { TEST_CARDS } from './infra/simulated-payment-provider.js';
export { ORDERS_PARTICIPANT } from './orders.module.js';
export { createOrdersOrm } from './persistence/orm.js';
export { buildOrdersSchema } from './schema.js';
export { seedOrders, type OrderSeed } from './seed.js';
