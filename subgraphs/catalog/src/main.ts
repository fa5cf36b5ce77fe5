import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { startCatalogApp } from './app.js';
import { catalogConfigSchema } from './config.js';

const config = loadConfig(catalogConfigSchema, process.env);
const logger = createLogger('catalog', config.LOG_LEVEL);
routeProcessWarnings(logger);
const app = await startCatalogApp(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
installGracefulShutdown({ logger, hooks: [{ name: 'catalog', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
