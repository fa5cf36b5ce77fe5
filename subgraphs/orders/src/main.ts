import { createLogger, installGracefulShutdown, loadConfig } from '@shop/platform';
import { startOrdersApp } from './app.js';
import { ordersConfigSchema } from './config.js';

const config = loadConfig(ordersConfigSchema, process.env);
const logger = createLogger('orders', config.LOG_LEVEL);
const app = await startOrdersApp(config, logger);
installGracefulShutdown({ logger, hooks: [{ name: 'orders', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
