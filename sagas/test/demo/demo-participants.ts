import type { MikroORM } from '@mikro-orm/core';
import {
  commandHandler,
  Outbox,
  OutboxRelay,
  PermanentError,
  SagaParticipant,
  sqlRows,
  sqlRun,
  type KafkaBus,
  type StepOutcome,
} from '@shop/messaging';
import type { Logger } from '@shop/platform';
import {
  cancelShipmentV1,
  chargePaymentV1,
  refundPaymentV1,
  releaseItemsV1,
  reserveItemsV1,
  sagaCommandTopic,
  scheduleShipmentV1,
  type SagaCommandMeta,
} from '@shop/schema';
import { DEMO_PARTICIPANT_NAMES } from './demo-order.saga.js';

/** The SKU the demo participants' tables are seeded with, so the demo runs on a fresh database. */
export const DEMO_SKU = 'demo-sku';

/** Tables of the three demo participants (each would own its database in a real deployment). */
export const DEMO_PARTICIPANT_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS demo_stock (sku VARCHAR(64) PRIMARY KEY, available INT NOT NULL)`,
  // IGNORE: a restart keeps the stock the demo sagas left.
  `INSERT IGNORE INTO demo_stock (sku, available) VALUES ('${DEMO_SKU}', 1000000)`,
  // One row per effect applied; the tests prove no step or compensation took effect twice.
  `CREATE TABLE IF NOT EXISTS demo_effect (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    participant VARCHAR(32) NOT NULL,
    saga_id VARCHAR(64) NOT NULL,
    step INT NOT NULL,
    action VARCHAR(16) NOT NULL,
    KEY ix_demo_effect_saga (saga_id)
  )`,
];

/** Simulated behaviours, chosen by the saga data (like the deterministic test cards of DESIGN 9). */
export const DEMO_BEHAVIOUR = {
  /** charge is declined. */
  declinedAccount: 'declined',
  /** charge succeeds but every refund is refused (the saga parks as NEEDS_ATTENTION). */
  unrefundableAccount: 'no-refund',
  /** the first refund is refused; the orchestrator's resend of it succeeds (a transient failure). */
  flakyRefundAccount: 'refund-once',
  /** ship is refused. */
  unservedAddress: 'nowhere',
  /** the shipping participant never answers (its handler fails for good, the command is dead-lettered). */
  silentAddress: 'blackhole',
} as const;

export interface DemoParticipantsOptions {
  readonly bus: KafkaBus;
  readonly logger: Logger;
  /** One database per participant (they may be the same database in tests). */
  readonly orms: {
    readonly inventory: MikroORM;
    readonly payment: MikroORM;
    readonly shipping: MikroORM;
  };
  /** Command topics are `<prefix><participant>`. @default 'sagas.commands.' */
  readonly commandTopicPrefix?: string;
  /** Prefix for the consumer groups. @default '' */
  readonly groupPrefix?: string;
  /**
   * Runs before every command's handler, inside its transaction (tests hold a command here until
   * the orchestrator reached some state, to make a reply late).
   */
  readonly beforeCommand?: (saga: SagaCommandMeta) => Promise<void>;
}

/** Runs the inventory, payment and shipping participants of the demo saga, each with its relay. */
export class DemoParticipants {
  private readonly parts: { participant: SagaParticipant; relay: OutboxRelay }[] = [];

  constructor(options: DemoParticipantsOptions) {
    const before = options.beforeCommand ?? (() => Promise.resolve());
    const make = (
      name: string,
      orm: MikroORM,
      handlers: ConstructorParameters<typeof SagaParticipant>[0]['handlers'],
    ): void => {
      const logger = options.logger.child({ participant: name });
      const relay = new OutboxRelay({ orm, publisher: options.bus.createPublisher(), logger });
      const participant = new SagaParticipant({
        bus: options.bus,
        orm,
        logger,
        participant: name,
        topic: sagaCommandTopic(name, options.commandTopicPrefix),
        groupId: `${options.groupPrefix ?? ''}${name}.saga-commands`,
        outbox: new Outbox(name),
        handlers: handlers.map((h) => ({
          contract: h.contract,
          run: async (payload, ctx) => {
            await before(ctx.saga);
            return h.run(payload, ctx);
          },
        })),
        retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 200 },
        afterCommit: () => relay.notify(),
      });
      this.parts.push({ participant, relay });
    };
    const effect = async (
      em: Parameters<typeof sqlRun>[0],
      participant: string,
      saga: { sagaId: string; step: number; action: string },
    ): Promise<void> => {
      await sqlRun(
        em,
        'INSERT INTO demo_effect (participant, saga_id, step, action) VALUES (?, ?, ?, ?)',
        [participant, saga.sagaId, saga.step, saga.action],
      );
    };
    const ok: StepOutcome = { outcome: 'succeeded' };

    make(DEMO_PARTICIPANT_NAMES.inventory, options.orms.inventory, [
      commandHandler(reserveItemsV1, async (p, { em, saga }) => {
        const res = await sqlRun(
          em,
          'UPDATE demo_stock SET available = available - ? WHERE sku = ? AND available >= ?',
          [p.quantity, p.sku, p.quantity],
        );
        if (res.affectedRows === 0) return { outcome: 'failed', reason: `out of stock: ${p.sku}` };
        await effect(em, 'inventory', saga);
        const [row] = await sqlRows<{ available: number }>(
          em,
          'SELECT available FROM demo_stock WHERE sku = ?',
          [p.sku],
        );
        return { outcome: 'succeeded', result: { stockLeft: row?.available ?? 0 } };
      }),
      commandHandler(releaseItemsV1, async (p, { em, saga }) => {
        await sqlRun(em, 'UPDATE demo_stock SET available = available + ? WHERE sku = ?', [
          p.quantity,
          p.sku,
        ]);
        await effect(em, 'inventory', saga);
        return ok;
      }),
    ]);
    make(DEMO_PARTICIPANT_NAMES.payment, options.orms.payment, [
      commandHandler(chargePaymentV1, async (p, { em, saga }) => {
        if (p.account === DEMO_BEHAVIOUR.declinedAccount)
          return { outcome: 'failed', reason: 'card declined' };
        await effect(em, 'payment', saga);
        return { outcome: 'succeeded', result: { paymentId: `pay-${saga.sagaId}` } };
      }),
      commandHandler(refundPaymentV1, async (p, { em, saga }) => {
        if (p.account === DEMO_BEHAVIOUR.unrefundableAccount)
          return { outcome: 'failed', reason: 'refund rejected by provider' };
        if (p.account === DEMO_BEHAVIOUR.flakyRefundAccount && saga.attempt === 1)
          return { outcome: 'failed', reason: 'refund provider unavailable' };
        await effect(em, 'payment', saga);
        return ok;
      }),
    ]);
    make(DEMO_PARTICIPANT_NAMES.shipping, options.orms.shipping, [
      commandHandler(scheduleShipmentV1, async (p, { em, saga }) => {
        if (p.address === DEMO_BEHAVIOUR.unservedAddress)
          return { outcome: 'failed', reason: 'address not served' };
        if (p.address === DEMO_BEHAVIOUR.silentAddress)
          throw new PermanentError('shipping provider unreachable');
        await effect(em, 'shipping', saga);
        return ok;
      }),
      commandHandler(cancelShipmentV1, async (_p, { em, saga }) => {
        await effect(em, 'shipping', saga);
        return ok;
      }),
    ]);
  }

  async start(): Promise<void> {
    for (const p of this.parts) {
      p.relay.start();
      await p.participant.start();
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.parts.map(async (p) => {
        await p.participant.close();
        await p.relay.stop();
      }),
    );
  }
}
