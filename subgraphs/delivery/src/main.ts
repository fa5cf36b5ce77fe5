import { createLogger, installGracefulShutdown, loadConfig } from '@shop/platform';
import { startDeliveryApp } from './app.js';
import { deliveryConfigSchema } from './config.js';

const config = loadConfig(deliveryConfigSchema, process.env);
const logger = createLogger('delivery', config.LOG_LEVEL);
const app = await startDeliveryApp(config, logger);
installGracefulShutdown({ logger, hooks: [{ name: 'delivery', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
