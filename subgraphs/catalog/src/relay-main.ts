// The product event relay as its own process (`node dist/src/relay-main.js`): for deployments
// that run it apart from the subgraph (CATALOG_RELAY=false there), and for the crash test.
import { KafkaBus } from '@shop/messaging';
import {
  createLogger,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
} from '@shop/platform';
import { MongoClient } from 'mongodb';
import { catalogConfigSchema } from './config.js';
import { ProductEventRelay } from './messaging/product-event-relay.js';
import { ProductsRepository } from './persistence/products.repository.js';

const config = loadConfig(catalogConfigSchema, process.env);
const logger = createLogger('catalog-relay', config.LOG_LEVEL);
routeProcessWarnings(logger);
const mongo = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 5000 });
await mongo.connect();
const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'catalog-relay', logger });
const publisher = bus.createPublisher();
const relay = new ProductEventRelay({
  products: new ProductsRepository(mongo.db(config.MONGODB_DATABASE)),
  publisher,
  logger,
  topic: config.CATALOG_EVENTS_TOPIC,
  pollIntervalMs: 200,
});
relay.start();
installGracefulShutdown({
  logger,
  hooks: [
    { name: 'relay', close: () => relay.stop() },
    { name: 'kafka', close: () => publisher.close() },
    { name: 'mongodb', close: () => mongo.close() },
  ],
});
logger.info('relay started');
