import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/mysql';
import { sqlRows, type KafkaPublisher } from '@shop/messaging';
import { parseConfig } from '@shop/platform';
import { SAGA_COMMAND_TOPIC_PREFIX, sagaCommandTopic } from '@shop/schema';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { spawnNode, type Child, type TestStack } from '@shop/testing';
import { startUsersApp, usersConfigSchema, type CouponCodes, type UsersApp } from '@shop/users';
import { SAGA_TABLES_DDL } from '../src/index.js';
import { openNotifyWorld, type NotifyWorld } from './notifications-support.js';
import { openOrm, testLogger } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ORCHESTRATOR_MAIN = path.resolve(here, '..', 'src', 'main.js');
const mintProof = proofMinter('users');

/** The promotion every bonus test runs with (users' BONUS_* settings). */
export const BONUS = { creditCents: 700, coupons: 2, percentOff: 15, minOrderCents: 3000 };

/**
 * A coupon generator the test can break: while `failing`, every code fails (a stand-in for an
 * exhausted or unreachable code source), so the coupon step is refused.
 */
export class SwitchableCodes implements CouponCodes {
  failing = false;
  constructor(private readonly real: CouponCodes) {}
  next(): string {
    if (this.failing) throw new Error('code source unavailable');
    return this.real.next();
  }
}

/**
 * One registration-bonus run: the users subgraph (in this process, over HTTP), the orchestrator
 * and the notification worker as real processes, this run's own databases and topics.
 */
export interface BonusWorld {
  readonly users: UsersApp;
  readonly codes: SwitchableCodes;
  readonly notify: NotifyWorld;
  readonly sagasOrm: MikroORM;
  readonly sagasUrl: string;
  readonly usersEventsTopic: string;
  /** The users process's settings (a second users app on the same database reuses them). */
  readonly usersEnv: Record<string, string>;
  orchestrator: Child;
  /** Registrations refused as RATE_LIMITED (hasher queue full) and retried. */
  rateLimited: number;
  spawnOrchestrator(): Child;
  /** Registers through `via` (default: this world's users app) over GraphQL. */
  register(email: string, via?: UsersApp): Promise<{ userId: string; at: number }>;
  sagaRows(): Promise<{ id: string; status: string; history: string }[]>;
  /** Every raw message on users.events so far, from the beginning. */
  usersEvents(): Promise<
    { id: string; type: string; key: string; data: Record<string, unknown> }[]
  >;
  republish(envelope: unknown, key: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBonusWorld(
  stack: TestStack,
  realCodes: CouponCodes,
  options: { stepTimeoutMs?: number } = {},
): Promise<BonusWorld> {
  const notify = await openNotifyWorld(stack, 'bonus-test');
  const usersEventsTopic = notify.topics.users;
  const commandTopicPrefix = stack.ns.topic(SAGA_COMMAND_TOPIC_PREFIX);
  const replyTopic = stack.ns.topic('sagas.replies');
  const sagasUrl = (await stack.createDatabase('sagas')).url;
  const sagasOrm = await openOrm(sagasUrl, SAGA_TABLES_DDL);
  const usersDb = await stack.createDatabase('users');
  const codes = new SwitchableCodes(realCodes);
  const usersEnv: Record<string, string> = {
    ...usersDb.mysqlEnv,
    PORT: '0',
    NODE_ENV: 'test',
    PASSWORD_HASH_COST: '4',
    KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
    USERS_EVENTS_TOPIC: usersEventsTopic,
    USERS_COMMAND_TOPIC: sagaCommandTopic('users', commandTopicPrefix),
    USERS_COMMAND_GROUP: stack.ns.group('users.saga-commands'),
    BONUS_CREDIT_CENTS: String(BONUS.creditCents),
    BONUS_COUPON_COUNT: String(BONUS.coupons),
    BONUS_COUPON_PERCENT_OFF: String(BONUS.percentOff),
    BONUS_COUPON_MIN_ORDER_CENTS: String(BONUS.minOrderCents),
  };
  const users = await startUsersApp(
    parseConfig(usersConfigSchema, usersEnv),
    testLogger('users'),
    { pool: { min: 0, max: 30 } },
    { couponCodes: codes },
  );
  await users.bus.ensureTopics([replyTopic]);
  const spawnOrchestrator = (): Child =>
    spawnNode(ORCHESTRATOR_MAIN, {
      SAGAS_MYSQL_URL: sagasUrl,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      OPS_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
      SAGAS_GROUP_ID: stack.ns.group('orchestrator'),
      SAGAS_REPLY_TOPIC: replyTopic,
      SAGAS_COMMAND_TOPIC_PREFIX: commandTopicPrefix,
      SAGAS_USERS_EVENTS_TOPIC: usersEventsTopic,
      // Longer than the 10 s a SIGKILLed member's replies wait for its Kafka session to expire
      // (see orchestrator-crash.test.ts): timeouts are not what these tests prove.
      BONUS_STEP_TIMEOUT_MS: String(options.stepTimeoutMs ?? 20_000),
      SAGAS_RELAY_LEASE_MS: '2000',
    });
  let publisher: KafkaPublisher | undefined;
  const world: BonusWorld = {
    users,
    codes,
    notify,
    sagasOrm,
    sagasUrl,
    usersEventsTopic,
    usersEnv,
    orchestrator: spawnOrchestrator(),
    rateLimited: 0,
    spawnOrchestrator,
    async register(email, via = users) {
      // A burst beyond the password hasher's queue is RATE_LIMITED with a retry-after, as a
      // client would see it: retried here, and `at` is when the accepted attempt was sent.
      for (let attempt = 1; ; attempt++) {
        const at = Date.now();
        const r = await gql<{ register: { user: { id: string } } }>(
          via.http.url,
          'mutation ($i: RegisterInput!) { register(input: $i) { user { id } } }',
          { i: { email, password: 'correct horse 42' } },
          await mintProof(),
        );
        if (r.errors?.[0]?.extensions?.code === 'RATE_LIMITED' && attempt < 50) {
          world.rateLimited++;
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
          continue;
        }
        if (r.errors !== undefined) throw new Error(JSON.stringify(r.errors));
        return { userId: r.data!.register.user.id, at };
      }
    },
    sagaRows: () =>
      sqlRows<{ id: string; status: string; history: string }>(
        sagasOrm.em.fork(),
        'SELECT id, status, history FROM saga_instance',
      ),
    async usersEvents() {
      const seen: { id: string; type: string; key: string; data: Record<string, unknown> }[] = [];
      const offsets = await users.bus.topicOffsets(usersEventsTopic);
      const total = offsets.reduce((sum, p) => sum + p.high - p.low, 0);
      if (total === 0) return seen;
      const consumer = users.bus
        .rawKafka()
        .consumer({ groupId: stack.ns.group(`probe-${crypto.randomUUID()}`), maxWaitTimeInMs: 50 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: usersEventsTopic, fromBeginning: true });
        const done = new Promise<void>((resolve) => {
          void consumer.run({
            eachMessage: async ({ message }) => {
              seen.push(JSON.parse(message.value?.toString() ?? '{}') as (typeof seen)[0]);
              if (seen.length >= total) resolve();
            },
          });
        });
        await Promise.race([
          done,
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('users.events probe timed out')), 30_000),
          ),
        ]);
      } finally {
        await consumer.disconnect();
      }
      return seen;
    },
    async republish(envelope, key) {
      publisher ??= users.bus.createPublisher();
      await publisher.send([{ topic: usersEventsTopic, key, value: JSON.stringify(envelope) }]);
    },
    async close() {
      await world.orchestrator.kill('SIGKILL').catch(() => undefined);
      await publisher?.close();
      await users.bus
        .deleteTopics([replyTopic, sagaCommandTopic('users', commandTopicPrefix)])
        .catch(() => undefined);
      await users.close();
      await sagasOrm.close(true);
      await notify.close();
      await stack.cleanup();
    },
  };
  return world;
}
