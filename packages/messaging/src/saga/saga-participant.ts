import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { assertNever, CONTEXT_HEADERS, type Logger } from '@shop/platform';
import {
  sagaCommandTopic,
  sagaStepReplyV1,
  type DataOf,
  type SagaCommandContract,
  type SagaCommandMeta,
  type SagaStepReplyV1,
} from '@shop/schema';
import type { z } from 'zod';
import { IdempotentConsumer } from '../inbox/idempotent-consumer.js';
import type { KafkaBus } from '../kafka/kafka-bus.js';
import type { Outbox } from '../outbox/outbox.js';
import type { RetryPolicy } from '../retry-policy.js';
import { sqlRows, sqlRun } from '../sql.js';

/** What a step or compensation handler decides. `failed` means no effect happened. */
export type StepOutcome =
  | { readonly outcome: 'succeeded'; readonly result?: Record<string, unknown> }
  | { readonly outcome: 'failed'; readonly reason: string }
  | DeferredOutcome;

/**
 * An execute whose answer is not known yet and will be given later by the participant's own code
 * (goods that have not arrived): nothing is replied now; `completeDeferredStep`, called in the
 * transaction that learns the answer, replies to the saga. A resend of the command (the step's
 * timeout) runs the handler again, which may answer at once or defer again. Only an execute may
 * defer, and its handler must have had no effect.
 */
export interface DeferredOutcome {
  readonly outcome: 'deferred';
  /** What it waits for, for the log. */
  readonly waitingFor: string;
}

/** An answered outcome: what a reply carries. */
type Answer = Exclude<StepOutcome, DeferredOutcome>;

export interface CommandContext {
  /** Inside the transaction that also records the participant log, the inbox row and the reply. */
  readonly em: EntityManager;
  readonly saga: SagaCommandMeta;
  /**
   * Runs `work` once this command's transaction has committed; never when it rolls back (a retry
   * runs the handler again, which registers again). For what must not happen inside the
   * transaction: a deferred execute starting the call whose answer `completeDeferredStep` gives.
   */
  readonly afterCommit: (work: () => void) => void;
}

/** One typed command handler of a participant. */
export interface CommandHandler extends CommandHandlerOptions {
  readonly contract: SagaCommandContract;
  readonly run: (payload: unknown, ctx: CommandContext) => Promise<StepOutcome>;
}

export interface CommandHandlerOptions {
  /**
   * As a compensation, run even when this participant recorded no successful execute of the step.
   * For a step whose effect lives outside the participant's transaction (a payment provider's
   * charge): its execute can time out or roll back after the effect landed, so the log cannot
   * tell whether there is something to undo; the handler must find out itself (the provider's
   * idempotency key) and be a no-op when there is nothing. @default false
   */
  readonly compensatesUnrecordedEffects?: boolean;
  /**
   * As an execute, run again when the command is resent after a refusal, instead of re-sending
   * the recorded refusal. For a refusal an operator can remedy (a stock row to restore) before
   * retrying the parked saga; the handler must have had no effect when it refused. @default false
   */
  readonly rerunsRefusals?: boolean;
}

/**
 * Thrown by a handler when it cannot know whether its effect happened (a provider call that timed
 * out may have landed): neither a success nor a refusal can be replied. The participant then
 * records nothing and replies nothing, and the command counts as handled, so its partition moves
 * on at once; the orchestrator's step timeout resends the command (a handler thrown this way must
 * be safe to run again, e.g. through the provider's idempotency key), and after the step's last
 * attempt the saga compensates the step itself. What the handler wrote in the command's
 * transaction before throwing commits with the inbox row: write only what must outlive the unknown
 * outcome (which provider was called under the key, so a resend calls the same one).
 */
export class StepOutcomeUnknownError extends Error {
  override readonly name: string = 'StepOutcomeUnknownError';
}

/** Declares a typed handler for one saga command contract. */
export function commandHandler<C extends SagaCommandContract>(
  contract: C,
  run: (payload: z.infer<C['payload']>, ctx: CommandContext) => Promise<StepOutcome>,
  options: CommandHandlerOptions = {},
): CommandHandler {
  return {
    ...options,
    contract,
    run: (payload, ctx) => run(payload as z.infer<C['payload']>, ctx),
  };
}

export interface SagaParticipantOptions {
  readonly bus: KafkaBus;
  readonly orm: MikroORM;
  readonly logger: Logger;
  /** The participant name; it consumes `sagas.commands.<participant>`. */
  readonly participant: string;
  readonly outbox: Outbox;
  readonly handlers: readonly CommandHandler[];
  /** @default `<participant>.saga-commands` */
  readonly groupId?: string;
  /** @default `sagas.commands.<participant>` */
  readonly topic?: string;
  readonly retry?: Partial<RetryPolicy>;
  /** Called after a command's transaction committed (wake the outbox relay). */
  readonly afterCommit?: () => void;
  /**
   * Commands handled at once: partitions, and keys (sagas) of one fetched batch. Each holds a
   * database connection for its transaction, so a participant whose handlers wait on a slow
   * provider caps them to leave the pool to others. @default 3 partitions, 8 keys
   */
  readonly partitionsConsumedConcurrently?: number;
  readonly keyConcurrency?: number;
}

interface LogRow {
  outcome: string;
  reply: string | null;
}

/** What a deferred execute's log row keeps (in `reply`) to answer the command later. */
interface DeferredCommand {
  readonly sagaType: string;
  readonly stepName: string;
  readonly attempt: number;
  readonly replyTo: string;
}

/** Written by a claim and replaced before the transaction commits; never seen by others. */
const PENDING = { outcome: 'pending', reply: null } as const;

/** The log row of an execute whose answer is deferred. */
const DEFERRED = 'deferred';

/** What a late execute finds when its step was compensated before it ran. */
const ALREADY_COMPENSATED = {
  outcome: 'failed',
  reply: JSON.stringify({ outcome: 'failed', reason: 'step already compensated' }),
} as const;

/**
 * Claims the participant-log row of one saga step and action for this transaction: inserts it
 * with `initial` and returns undefined, or, when it exists, locks it by primary key and returns it.
 * An insert instead of a locking read of a row that may not exist yet: that read takes a gap lock,
 * and two commands whose new rows fall into the same gap then deadlock on their inserts.
 */
async function claim(
  em: EntityManager,
  saga: SagaCommandMeta,
  action: SagaCommandMeta['action'],
  initial: LogRow,
): Promise<LogRow | undefined> {
  const key = [saga.sagaId, saga.step, action];
  const inserted = await sqlRun(
    em,
    'INSERT IGNORE INTO saga_participant_log (saga_id, step, action, outcome, reply) VALUES (?, ?, ?, ?, ?)',
    [...key, initial.outcome, initial.reply],
  );
  if (inserted.affectedRows === 1) return undefined;
  const [row] = await sqlRows<LogRow>(
    em,
    'SELECT outcome, reply FROM saga_participant_log WHERE saga_id = ? AND step = ? AND action = ? FOR UPDATE',
    key,
  );
  // The failed insert holds a lock on the row, so it cannot have gone away since.
  if (row === undefined) throw new Error(`saga participant log row ${key.join(':')} missing`);
  return row;
}

/** Replaces the recorded outcome of one step and action (a row this transaction holds locked). */
async function record(
  em: EntityManager,
  key: { readonly sagaId: string; readonly step: number },
  action: SagaCommandMeta['action'],
  row: LogRow,
): Promise<void> {
  await sqlRun(
    em,
    `UPDATE saga_participant_log SET outcome = ?, reply = ?, recorded_at = CURRENT_TIMESTAMP(3)
     WHERE saga_id = ? AND step = ? AND action = ?`,
    [row.outcome, row.reply, key.sagaId, key.step, action],
  );
}

/** The handler's outcome, or undefined when it threw `StepOutcomeUnknownError`. */
async function runKnowing(
  handler: CommandHandler,
  payload: unknown,
  ctx: CommandContext,
): Promise<StepOutcome | undefined> {
  try {
    return await handler.run(payload, ctx);
  } catch (err) {
    if (err instanceof StepOutcomeUnknownError) return undefined;
    throw err;
  }
}

/**
 * The participant side of a saga. Every execute and compensate is idempotent by saga id + step +
 * action: a repeated command re-sends the recorded reply without touching state, except a
 * compensation that was refused, which runs again (DESIGN 9: retried, then parked); a compensation
 * for a step that never took effect is a no-op (unless its handler `compensatesUnrecordedEffects`,
 * an effect outside this transaction that the log cannot see); an execute that arrives after its
 * compensation (a late or resent command) is refused without effect. The handler, the log row, the inbox row
 * and the reply (through the outbox) commit in one transaction.
 */
export class SagaParticipant {
  private readonly consumer: IdempotentConsumer<SagaCommandContract, (() => void)[]>;
  private readonly byName: Map<string, CommandHandler>;

  constructor(private readonly options: SagaParticipantOptions) {
    this.byName = new Map(options.handlers.map((h) => [h.contract.name, h]));
    this.consumer = new IdempotentConsumer({
      bus: options.bus,
      orm: options.orm,
      logger: options.logger,
      groupId: options.groupId ?? `${options.participant}.saga-commands`,
      topics: [options.topic ?? sagaCommandTopic(options.participant)],
      contracts: options.handlers.map((h) => h.contract),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      handle: async ({ contract, envelope }, { em }) => {
        const handler = this.byName.get(contract.name);
        if (handler === undefined) throw new Error(`no handler for ${contract.name}`);
        const data: DataOf<SagaCommandContract> = envelope.data;
        // Per attempt: a transaction that rolls back takes its registrations with it.
        const committed: (() => void)[] = [];
        await this.execute(handler, data.saga, data.payload, em, (work) => committed.push(work));
        return committed;
      },
      afterCommit: (_decoded, committed) => {
        options.afterCommit?.();
        for (const work of committed) {
          try {
            work();
          } catch (err) {
            options.logger.error({ err }, 'saga command: after-commit work failed');
          }
        }
      },
      ...(options.partitionsConsumedConcurrently === undefined
        ? {}
        : { partitionsConsumedConcurrently: options.partitionsConsumedConcurrently }),
      ...(options.keyConcurrency === undefined ? {} : { keyConcurrency: options.keyConcurrency }),
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  async close(): Promise<void> {
    await this.consumer.close();
  }

  private async execute(
    handler: CommandHandler,
    saga: SagaCommandMeta,
    payload: unknown,
    em: EntityManager,
    afterCommit: CommandContext['afterCommit'],
  ): Promise<void> {
    const log = this.options.logger;
    const mine = await claim(em, saga, saga.action, PENDING);
    // A refused compensation had no effect, so its resend runs the handler again (a refund that
    // failed for a transient reason may succeed now), as does a deferred execute (its answer may
    // be known now) and a refused one whose handler reruns refusals; every other recorded outcome
    // is final.
    const final =
      mine !== undefined &&
      (mine.outcome === 'succeeded' ||
        (saga.action === 'execute' &&
          mine.outcome === 'failed' &&
          handler.rerunsRefusals !== true));
    let outcome: Answer;
    let effect = false;
    if (final) {
      outcome = JSON.parse(mine.reply ?? '{"outcome":"succeeded"}') as Answer;
      log.info(
        { step: saga.stepName, action: saga.action },
        'repeated saga command: reply re-sent, no effect',
      );
    } else {
      let ran: StepOutcome | undefined;
      switch (saga.action) {
        case 'execute':
          ran = await runKnowing(handler, payload, { em, saga, afterCommit });
          break;
        case 'compensate': {
          // Claiming the step's execute row records a refusal for an execute that never ran, so a
          // late or resent one finds it and has no effect; one that ran is locked and read.
          const executed = await claim(em, saga, 'execute', ALREADY_COMPENSATED);
          // A deferred execute never took effect and must not answer later: it becomes the
          // refusal a late or resent execute finds, so `completeDeferredStep` leaves it alone.
          if (executed?.outcome === DEFERRED)
            await record(em, saga, 'execute', ALREADY_COMPENSATED);
          ran =
            executed?.outcome !== 'succeeded' && handler.compensatesUnrecordedEffects !== true
              ? { outcome: 'succeeded', result: { noop: true } }
              : await runKnowing(handler, payload, { em, saga, afterCommit });
          break;
        }
        default:
          assertNever(saga.action);
      }
      if (ran === undefined) {
        // Outcome unknown: forget this command's claim (a resend must run the handler again, not
        // find a recorded outcome) and reply nothing; the orchestrator's timeout resends it. A row
        // that existed before (a refused compensation run again) keeps its recorded refusal.
        if (mine === undefined)
          await sqlRun(
            em,
            'DELETE FROM saga_participant_log WHERE saga_id = ? AND step = ? AND action = ?',
            [saga.sagaId, saga.step, saga.action],
          );
        log.warn(
          { step: saga.stepName, action: saga.action, attempt: saga.attempt },
          'saga command outcome unknown: nothing recorded, no reply; the saga will resend it',
        );
        return;
      }
      if (ran.outcome === DEFERRED) {
        if (saga.action !== 'execute')
          throw new Error(`${saga.stepName}: only an execute may defer its answer`);
        const later: DeferredCommand = {
          sagaType: saga.sagaType,
          stepName: saga.stepName,
          attempt: saga.attempt,
          replyTo: saga.replyTo,
        };
        await record(em, saga, 'execute', { outcome: DEFERRED, reply: JSON.stringify(later) });
        log.info(
          { step: saga.stepName, attempt: saga.attempt, waitingFor: ran.waitingFor },
          'saga command deferred: answered when what it waits for happens',
        );
        return;
      }
      outcome = ran;
      effect = outcome.outcome === 'succeeded' && outcome.result?.noop !== true;
      await record(em, saga, saga.action, {
        outcome: outcome.outcome,
        reply: JSON.stringify(outcome),
      });
      log.info(
        { step: saga.stepName, action: saga.action, outcome: outcome.outcome, effect },
        'saga command handled',
      );
    }
    // The attempt this reply answers, also when it repeats a recorded outcome: the orchestrator
    // counts a compensation's refusal only against the attempt it answers.
    await writeReply(em, this.options.outbox, saga, outcome);
  }
}

async function writeReply(
  em: EntityManager,
  outbox: Outbox,
  saga: Pick<SagaCommandMeta, 'sagaId' | 'sagaType' | 'step' | 'action' | 'attempt' | 'replyTo'>,
  outcome: Answer,
): Promise<void> {
  const reply: SagaStepReplyV1 = {
    sagaId: saga.sagaId,
    sagaType: saga.sagaType,
    step: saga.step,
    action: saga.action,
    attempt: saga.attempt,
    outcome: outcome.outcome,
    ...(outcome.outcome === 'failed' ? { reason: outcome.reason } : {}),
    ...(outcome.outcome === 'succeeded' && outcome.result !== undefined
      ? { result: outcome.result }
      : {}),
  };
  await outbox.add(em, sagaStepReplyV1, {
    topic: saga.replyTo,
    key: saga.sagaId,
    data: reply,
    // The outbox adds the context's saga id only when the context has one (a message may lack it).
    headers: { [CONTEXT_HEADERS.sagaId]: saga.sagaId },
  });
}

/**
 * Locks the participant-log row of a step's execute (by primary key) and returns its outcome
 * (`deferred` while its answer waits), or undefined when no such command was received. For code
 * that must take that row before its own rows, in the order a participant handling a resend of the
 * command takes them (its log row first): lock it, then the rows the answer depends on, then
 * `completeDeferredStep`.
 */
export async function lockStepExecute(
  em: EntityManager,
  step: { readonly sagaId: string; readonly step: number },
): Promise<string | undefined> {
  return (await lockedExecute(em, step))?.outcome;
}

async function lockedExecute(
  em: EntityManager,
  step: { readonly sagaId: string; readonly step: number },
): Promise<LogRow | undefined> {
  const [row] = await sqlRows<LogRow>(
    em,
    `SELECT outcome, reply FROM saga_participant_log
     WHERE saga_id = ? AND step = ? AND action = 'execute' FOR UPDATE`,
    [step.sagaId, step.step],
  );
  return row;
}

/**
 * Answers a deferred execute (see `DeferredOutcome`) in the caller's transaction: records the
 * outcome in the participant log and writes the reply through the outbox, so the answer and the
 * change that decided it commit together. Locks the log row by primary key first (see
 * `lockStepExecute`); a participant handling a resend of the same command claims that row first
 * too, so the two take turns and the command is answered once (a resend that comes after finds the
 * recorded answer and repeats it). Returns false, writing nothing, when that execute is not
 * deferred (already answered, or never received: its handler will find the answer itself).
 */
export async function completeDeferredStep(
  em: EntityManager,
  outbox: Outbox,
  step: { readonly sagaId: string; readonly step: number },
  outcome: Answer,
): Promise<boolean> {
  const row = await lockedExecute(em, step);
  if (row?.outcome !== DEFERRED || row.reply === null) return false;
  const later = JSON.parse(row.reply) as DeferredCommand;
  await record(em, step, 'execute', { outcome: outcome.outcome, reply: JSON.stringify(outcome) });
  await writeReply(
    em,
    outbox,
    {
      ...step,
      action: 'execute',
      sagaType: later.sagaType,
      attempt: later.attempt,
      replyTo: later.replyTo,
    },
    outcome,
  );
  return true;
}
