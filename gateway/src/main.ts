import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { gatewayConfigSchema } from './config.js';
import { createGatewayServer } from './server.js';

const config = loadConfig(gatewayConfigSchema, process.env);
const logger = createLogger('gateway', config.LOG_LEVEL);
routeProcessWarnings(logger);
try {
  const gateway = await createGatewayServer(config, logger);
  const { port, opsPort } = await gateway.listen(config.PORT, config.HOST, {
    port: config.OPS_PORT,
    host: config.OPS_HOST ?? config.HOST,
  });
  logger.info({ port, opsPort, host: config.HOST, nodeEnv: config.NODE_ENV }, 'listening');
  installGracefulShutdown({ logger, hooks: [{ name: 'gateway', close: () => gateway.close() }] });
} catch (err) {
  logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
}
