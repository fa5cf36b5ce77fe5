import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { startUsersApp } from './app.js';
import { usersConfigSchema } from './config.js';

const config = loadConfig(usersConfigSchema, process.env);
const logger = createLogger('users', config.LOG_LEVEL);
routeProcessWarnings(logger);
const app = await startUsersApp(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
installGracefulShutdown({ logger, hooks: [{ name: 'users', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
