import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { startCartApp } from './app.js';
import { cartConfigSchema } from './config.js';

const config = loadConfig(cartConfigSchema, process.env);
const logger = createLogger('cart', config.LOG_LEVEL);
routeProcessWarnings(logger);
const app = await startCartApp(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
installGracefulShutdown({ logger, hooks: [{ name: 'cart', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
