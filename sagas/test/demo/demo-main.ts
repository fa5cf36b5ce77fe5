// The orchestrator process with the demo saga instead of the production ones: the engine's crash
// and ops tests run it, and `npm run demo -w sagas` runs it for development with the demo
// participants in the same process (DEMO_PARTICIPANTS=true). Not shipped as the production entry.
import type { MikroORM } from '@mikro-orm/mysql';
import { openMessagingOrm } from '@shop/messaging';
import { env, loadConfig } from '@shop/platform';
import { z } from 'zod';
import { runOrchestratorProcess, sagasConfigSchema } from '../../src/index.js';
import { demoOrderSaga } from './demo-order.saga.js';
import { DEMO_PARTICIPANT_DDL, DemoParticipants } from './demo-participants.js';

const demoConfigSchema = sagasConfigSchema.extend({
  /** Per-attempt reply timeout of the demo saga's steps. */
  DEMO_STEP_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** Also run the demo saga's three participants in this process. */
  DEMO_PARTICIPANTS: env.bool(false),
  /** Database of the demo participants when DEMO_PARTICIPANTS is on. */
  DEMO_MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307/sagas_demo'),
});
const config = loadConfig(demoConfigSchema, process.env);

await runOrchestratorProcess(config, {
  sagas: [
    demoOrderSaga({ timeoutMs: config.DEMO_STEP_TIMEOUT_MS }),
    demoOrderSaga({ timeoutMs: config.DEMO_STEP_TIMEOUT_MS, pivotShip: true }),
  ],
  extras: async ({ bus, logger }) => {
    if (!config.DEMO_PARTICIPANTS) return [];
    const orm: MikroORM = await openMessagingOrm(config.DEMO_MYSQL_URL, DEMO_PARTICIPANT_DDL);
    const participants = new DemoParticipants({
      bus,
      logger,
      orms: { inventory: orm, payment: orm, shipping: orm },
      commandTopicPrefix: config.SAGAS_COMMAND_TOPIC_PREFIX,
    });
    await participants.start();
    return [
      { name: 'demo-mariadb', close: () => orm.close(true) },
      { name: 'demo-participants', close: () => participants.close() },
    ];
  },
});
