import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { startOrdersApp } from './app.js';
import { ordersConfigSchema } from './config.js';

const config = loadConfig(ordersConfigSchema, process.env);
const logger = createLogger('orders', config.LOG_LEVEL);
routeProcessWarnings(logger);
const app = await startOrdersApp(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
installGracefulShutdown({ logger, hooks: [{ name: 'orders', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
