import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { startDeliveryApp } from './app.js';
import { deliveryConfigSchema } from './config.js';
import { seedDemoPartners } from './dev-seed.js';

const config = loadConfig(deliveryConfigSchema, process.env);
const logger = createLogger('delivery', config.LOG_LEVEL);
routeProcessWarnings(logger);
const app = await startDeliveryApp(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
if (config.NODE_ENV === 'development')
  await seedDemoPartners(app.orm, logger).catch((err: unknown) =>
    logger.warn({ err }, 'could not create the demo delivery partners'),
  );
installGracefulShutdown({ logger, hooks: [{ name: 'delivery', close: () => app.close() }] });
logger.info({ port: app.http.port, url: app.http.url }, 'listening');
