import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEnvelope, defineSagaCommand, type SagaCommandMeta } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { z } from 'zod';
import {
  commandHandler,
  MESSAGING_TABLES_DDL,
  Outbox,
  SagaParticipant,
  sqlRows,
} from '../src/index.js';
import { openConsumerWorld, testLogger, type ConsumerTestWorld } from './support.js';

const pingV1 = defineSagaCommand('test.ping', 1, z.object({ id: z.string() }));

/** A lock wait timeout: transient, so the consumer rolls the transaction back and runs it again. */
class LockWaitTimeout extends Error {
  readonly errno = 1205;
  readonly code = 'ER_LOCK_WAIT_TIMEOUT';
}

describe('saga participant: work after the command commits', () => {
  const stack = new TestStack('aftercommit');
  let world: ConsumerTestWorld;
  let participant: SagaParticipant;
  /** Per command id: the attempts that registered work, and what each run of the work saw. */
  const registered = new Map<string, number>();
  const ran: { id: string; attempt: number; logRows: number }[] = [];

  before(async () => {
    world = await openConsumerWorld(stack, 'after-commit', MESSAGING_TABLES_DDL, 1);
    participant = new SagaParticipant({
      bus: world.bus,
      orm: world.orm,
      logger: testLogger('after-commit'),
      participant: 'test',
      topic: world.topic,
      groupId: world.groupId,
      outbox: new Outbox('test'),
      retry: { transientBudgetMs: 20_000 },
      handlers: [
        commandHandler(pingV1, async ({ id }, { saga, afterCommit }) => {
          const attempt = (registered.get(id) ?? 0) + 1;
          registered.set(id, attempt);
          afterCommit(() => {
            // Read on another connection: the command's rows must be committed by now.
            void sqlRows<{ n: number }>(
              world.orm.em.fork(),
              'SELECT COUNT(*) AS n FROM saga_participant_log WHERE saga_id = ?',
              [saga.sagaId],
            ).then((rows) => ran.push({ id, attempt, logRows: Number(rows[0]?.n) }));
          });
          // The first two tries of `flaky` roll back after registering their work.
          if (id === 'flaky' && attempt <= 2) throw new LockWaitTimeout('lock wait timeout');
          return { outcome: 'succeeded' };
        }),
      ],
    });
    await participant.start();
  });

  after(async () => {
    await participant?.close();
    await world?.close();
  });

  const send = (id: string) => {
    const saga: SagaCommandMeta = {
      sagaId: `s-${id}`,
      sagaType: 'test',
      step: 0,
      stepName: 'ping',
      action: 'execute',
      attempt: 1,
      replyTo: stack.ns.topic('test.replies'),
    };
    const envelope = createEnvelope(pingV1, {
      key: saga.sagaId,
      source: 'test',
      data: { saga, payload: { id } },
    });
    return world.publisher.send([
      { topic: world.topic, key: saga.sagaId, value: JSON.stringify(envelope) },
    ]);
  };

  it('runs registered work once, after the commit, and never for a rolled-back attempt', async () => {
    await send('flaky');
    await send('steady');
    await waitUntil(() => ran.length >= 2, { what: 'both commands handled', timeoutMs: 30_000 });
    // A late run of a rolled-back attempt's work would show up here.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(registered.get('flaky'), 3, 'flaky ran three times');
    assert.deepEqual(
      [...ran].sort((a, b) => a.id.localeCompare(b.id)),
      [
        { id: 'flaky', attempt: 3, logRows: 1 },
        { id: 'steady', attempt: 1, logRows: 1 },
      ],
    );
  });
});
