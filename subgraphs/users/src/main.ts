import { createLogger, installGracefulShutdown, loadConfig } from '@shop/platform';
import { startUsersApp } from './app.js';
import { usersConfigSchema } from './config.js';

const config = loadConfig(usersConfigSchema, process.env);
const logger = createLogger('users', config.LOG_LEVEL);
const app = await startUsersApp(config, logger);
installGracefulShutdown({ logger, hooks: [{ name: 'users', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
