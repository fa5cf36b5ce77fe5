import { createLogger, installGracefulShutdown, loadConfig } from '@shop/platform';
import { startCartApp } from './app.js';
import { cartConfigSchema } from './config.js';

const config = loadConfig(cartConfigSchema, process.env);
const logger = createLogger('cart', config.LOG_LEVEL);
const app = await startCartApp(config, logger);
installGracefulShutdown({ logger, hooks: [{ name: 'cart', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
