import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { startDeliveryApp } from './app.js';
import { deliveryConfigSchema } from './config.js';

const config = loadConfig(deliveryConfigSchema, process.env);
const logger = createLogger('delivery', config.LOG_LEVEL);
routeProcessWarnings(logger);
const app = await startDeliveryApp(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
installGracefulShutdown({ logger, hooks: [{ name: 'delivery', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
