import { createLogger, installGracefulShutdown, loadConfig } from '@shop/platform';
import { startCatalogApp } from './app.js';
import { catalogConfigSchema } from './config.js';

const config = loadConfig(catalogConfigSchema, process.env);
const logger = createLogger('catalog', config.LOG_LEVEL);
const app = await startCatalogApp(config, logger);
installGracefulShutdown({ logger, hooks: [{ name: 'catalog', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
