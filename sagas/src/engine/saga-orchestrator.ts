import type { EntityManager, MikroORM } from '@mikro-orm/core';
import {
  IdempotentConsumer,
  Outbox,
  OutboxRelay,
  type KafkaBus,
  type OutboxRelayOptions,
} from '@shop/messaging';
import {
  CONTEXT_HEADERS,
  currentContext,
  runWithContext,
  type Logger,
  type RequestContext,
} from '@shop/platform';
import {
  sagaCommandTopic,
  sagaStepReplyV1,
  TOPICS,
  type SagaCommandMeta,
  type SagaStepReplyV1,
} from '@shop/schema';
import { stepRetry, type SagaDefinition, type SagaStep } from './saga-definition.js';
import {
  isTerminal,
  type SagaHistoryEntry,
  type SagaState,
  type SagaStatus,
} from './saga-state.js';
import { sagaStore } from './saga-store.js';

export interface SagaOrchestratorOptions {
  readonly bus: KafkaBus;
  /** The orchestrator's own database (saga_instance + outbox + inbox tables). */
  readonly orm: MikroORM;
  readonly logger: Logger;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly sagas: readonly SagaDefinition<any>[];
  /** @default 'sagas.replies' */
  readonly replyTopic?: string;
  /** @default `sagas.commands.<participant>` */
  readonly commandTopic?: (participant: string) => string;
  /** @default 'sagas.orchestrator' */
  readonly groupId?: string;
  /** How often due deadlines are checked. @default 100 */
  readonly timeoutPollMs?: number;
  readonly relay?: Partial<Pick<OutboxRelayOptions, 'batchSize' | 'leaseMs' | 'pollIntervalMs'>>;
}

/** Reported after a saga reaches a terminal status in this process. */
export interface SagaFinished {
  readonly id: string;
  readonly type: string;
  readonly status: SagaStatus;
  readonly reason: string | null;
  /** From the saga's `started` history entry (the starting host's clock) to now (this one's); >= 0. */
  readonly durationMs: number;
}

/** Reported for every step command this process wrote to the outbox, resends included. */
export interface SagaCommandSent {
  readonly sagaId: string;
  readonly type: string;
  readonly step: number;
  readonly stepName: string;
  readonly action: 'execute' | 'compensate';
  readonly attempt: number;
}

/** What one transition of a saga did: the commands it wrote and whether the saga finished. */
interface Transition {
  readonly sent: readonly SagaCommandSent[];
  readonly finished: SagaFinished | undefined;
}

type Def = SagaDefinition<Record<string, unknown>>;

/**
 * The saga orchestrator. State lives in `saga_instance`; every transition writes the new state and
 * the next command (through the outbox) in one transaction, under a row lock, so a crash at any
 * point resumes from the database and several instances never handle one saga at once. Replies
 * arrive through an idempotent consumer; deadlines are polled from the table. A failed step
 * compensates the completed steps in reverse; a timed-out step is resent up to its retry policy,
 * then compensated too (its effect may have happened; a participant treats the compensation of a
 * step it never executed as a no-op). A compensation that keeps failing parks the saga as
 * NEEDS_ATTENTION with the reason.
 */
export class SagaOrchestrator {
  private readonly defs = new Map<string, Def>();
  private readonly outbox = new Outbox('sagas');
  private readonly relay: OutboxRelay;
  private readonly replies: IdempotentConsumer<typeof sagaStepReplyV1, Transition | undefined>;
  private readonly replyTopic: string;
  private readonly commandTopic: (participant: string) => string;
  private readonly finishedListeners = new Set<(f: SagaFinished) => void>();
  private readonly sentListeners = new Set<(c: SagaCommandSent) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** The deadline check in progress, which close() waits for before the caller closes the ORM. */
  private ticking: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: SagaOrchestratorOptions) {
    for (const def of options.sagas) this.defs.set(def.type, def as Def);
    this.replyTopic = options.replyTopic ?? TOPICS.sagaReplies;
    this.commandTopic = options.commandTopic ?? sagaCommandTopic;
    this.relay = new OutboxRelay({
      orm: options.orm,
      publisher: options.bus.createPublisher(),
      logger: options.logger,
      ...options.relay,
    });
    this.replies = new IdempotentConsumer({
      bus: options.bus,
      orm: options.orm,
      logger: options.logger,
      groupId: options.groupId ?? 'sagas.orchestrator',
      topics: [this.replyTopic],
      contracts: [sagaStepReplyV1],
      handle: ({ envelope }, { em }) => this.onReply(em, envelope.data),
      afterCommit: (_decoded, transition) => {
        this.relay.notify();
        // Listeners hear about a transition only once it is committed.
        if (transition !== undefined) this.report(transition);
      },
    });
  }

  /** Starts the relay, the reply consumer and the deadline loop; in-flight sagas resume. */
  async start(): Promise<void> {
    this.stopped = false;
    this.relay.start();
    await this.replies.start();
    const poll = this.options.timeoutPollMs ?? 100;
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, poll);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.ticking;
    await this.replies.close();
    await this.relay.stop();
  }

  /** Called with every saga that reaches a terminal status in this process. */
  onFinished(listener: (f: SagaFinished) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  /**
   * Called with every step command this process writes, once its transaction committed (for
   * `startSagaIn`, once written: the caller's commit is out of sight).
   */
  onCommandSent(listener: (c: SagaCommandSent) => void): () => void {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }

  /** Waits until the reply consumer joined its group (tests and benchmarks). */
  joined(): Promise<void> {
    return this.replies.kafkaConsumer.joined();
  }

  /**
   * Starts a saga in its own transaction and returns its id. Idempotent by id: starting an id that
   * exists changes nothing.
   */
  async startSaga(type: string, data: unknown, options: { id?: string } = {}): Promise<string> {
    const id = options.id ?? crypto.randomUUID();
    const started = await this.options.orm.em
      .fork()
      .transactional((em) => this.create(em, type, data, id));
    this.relay.notify();
    if (started !== undefined) this.report(started);
    return id;
  }

  /** Starts a saga inside the caller's transaction (e.g. a consumer of the triggering event). */
  async startSagaIn(
    em: EntityManager,
    type: string,
    data: unknown,
    options: { id?: string } = {},
  ): Promise<string> {
    const id = options.id ?? crypto.randomUUID();
    const started = await this.create(em, type, data, id);
    if (started !== undefined) this.report(started);
    return id;
  }

  /** Writes a new saga with its first command; undefined when the id exists (nothing written). */
  private async create(
    em: EntityManager,
    type: string,
    data: unknown,
    id: string,
  ): Promise<Transition | undefined> {
    const def = this.definition(type);
    const parsed = def.data.parse(data);
    const ctx = currentContext();
    const correlationId = ctx?.correlationId ?? ctx?.requestId ?? id;
    const state: SagaState = {
      id,
      type,
      status: 'RUNNING',
      currentStep: 0,
      attempt: 1,
      data: parsed,
      history: [],
      deadlineAt: null,
      failureReason: null,
      requestId: ctx?.requestId ?? null,
      correlationId,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    return runWithContext(this.sagaContext(state, ctx), async () => {
      const first = def.steps[0]!;
      this.record(state, { step: 0, stepName: first.name, action: 'saga', event: 'started' });
      const timeout = this.markSent(def, state, 0, 'execute', 1);
      // The row as it stands once the first command is out; an id that exists writes nothing.
      if (!(await sagaStore.insert(em, state, timeout))) return undefined;
      await this.writeCommand(em, def, state, 0, 'execute', 1);
      this.options.logger.info({ sagaType: type }, 'saga started');
      return this.transitionOf(state, 0);
    });
  }

  async get(id: string): Promise<SagaState | undefined> {
    return sagaStore.get(this.options.orm.em.fork(), id);
  }

  /** Sagas by status (e.g. NEEDS_ATTENTION for the operators' query). */
  async list(
    filter: { status?: SagaStatus; type?: string; limit?: number } = {},
  ): Promise<SagaState[]> {
    return sagaStore.list(this.options.orm.em.fork(), filter);
  }

  private definition(type: string): Def {
    const def = this.defs.get(type);
    if (def === undefined) throw new Error(`unknown saga type ${type}`);
    return def;
  }

  private sagaContext(s: SagaState, ctx?: RequestContext): RequestContext {
    return {
      ...ctx,
      requestId: s.requestId ?? ctx?.requestId ?? s.correlationId,
      correlationId: s.correlationId,
      sagaId: s.id,
    };
  }

  private record(s: SagaState, entry: Omit<SagaHistoryEntry, 'at'>): void {
    s.history.push({ at: new Date().toISOString(), ...entry });
  }

  /** Writes the command of one step to the outbox and returns the attempt's timeout. */
  private async send(
    em: EntityManager,
    def: Def,
    s: SagaState,
    index: number,
    action: 'execute' | 'compensate',
    attempt: number,
  ): Promise<number> {
    await this.writeCommand(em, def, s, index, action, attempt);
    return this.markSent(def, s, index, action, attempt);
  }

  private async writeCommand(
    em: EntityManager,
    def: Def,
    s: SagaState,
    index: number,
    action: 'execute' | 'compensate',
    attempt: number,
  ): Promise<void> {
    const step = def.steps[index]!;
    const command = action === 'execute' ? step.execute : step.compensate;
    if (command === undefined) throw new Error(`step ${step.name} has no ${action} command`);
    const meta: SagaCommandMeta = {
      sagaId: s.id,
      sagaType: s.type,
      step: index,
      stepName: step.name,
      action,
      attempt,
      replyTo: this.replyTopic,
    };
    await this.outbox.add(em, command.contract, {
      topic: this.commandTopic(step.participant),
      key: s.id,
      id: `${s.id}:${index}:${action}:${attempt}`,
      data: { saga: meta, payload: command.payload(s.data) },
      // The outbox adds the context's saga id only when the context has one (a message may lack it).
      headers: { [CONTEXT_HEADERS.sagaId]: s.id },
    });
  }

  /** Records in the state that a step's command went out; returns the attempt's timeout. */
  private markSent(
    def: Def,
    s: SagaState,
    index: number,
    action: 'execute' | 'compensate',
    attempt: number,
  ): number {
    const step = def.steps[index]!;
    s.currentStep = index;
    s.attempt = attempt;
    this.record(s, { step: index, stepName: step.name, action, event: 'sent', attempt });
    return step.timeoutMs;
  }

  /**
   * Compensates, in reverse, the completed steps at or below `from`. Returns the next timeout, or
   * null when there is nothing left to compensate (the saga then ends FAILED).
   */
  private async compensateFrom(
    em: EntityManager,
    def: Def,
    s: SagaState,
    from: number,
  ): Promise<number | null> {
    for (let i = from; i >= 0; i--) {
      if (def.steps[i]!.compensate === undefined) continue;
      s.status = 'COMPENSATING';
      return this.send(em, def, s, i, 'compensate', 1);
    }
    s.status = 'FAILED';
    this.record(s, {
      step: 0,
      stepName: def.steps[0]!.name,
      action: 'saga',
      event: 'failed',
      detail: s.failureReason ?? '',
    });
    return null;
  }

  private park(s: SagaState, step: SagaStep<Record<string, unknown>>, reason: string): null {
    s.status = 'NEEDS_ATTENTION';
    s.failureReason = reason;
    this.record(s, {
      step: s.currentStep,
      stepName: step.name,
      action: 'saga',
      event: 'needs-attention',
      detail: reason,
    });
    this.options.logger.error(
      { sagaType: s.type, step: step.name, reason },
      'saga parked as NEEDS_ATTENTION',
    );
    return null;
  }

  /** Applies one reply; returns what it did, or undefined for a reply it ignored. */
  private async onReply(
    em: EntityManager,
    reply: SagaStepReplyV1,
  ): Promise<Transition | undefined> {
    const log = this.options.logger;
    const s = await sagaStore.lock(em, reply.sagaId);
    if (s === undefined) {
      log.warn({ reply }, 'reply for an unknown saga ignored');
      return undefined;
    }
    const def = this.definition(s.type);
    const expected = s.status === 'RUNNING' ? 'execute' : 'compensate';
    if (isTerminal(s.status) || reply.step !== s.currentStep || reply.action !== expected) {
      log.info(
        { step: reply.step, action: reply.action, status: s.status },
        'stale saga reply ignored',
      );
      return undefined;
    }
    const step = def.steps[s.currentStep]!;
    const from = s.history.length;
    this.record(s, {
      step: reply.step,
      stepName: step.name,
      action: reply.action,
      event: reply.outcome,
      attempt: reply.attempt,
      ...(reply.reason === undefined ? {} : { detail: reply.reason }),
    });
    let timeout: number | null;
    if (s.status === 'RUNNING') {
      if (reply.outcome === 'succeeded') {
        s.data = { ...s.data, ...reply.result };
        const next = s.currentStep + 1;
        if (next < def.steps.length) timeout = await this.send(em, def, s, next, 'execute', 1);
        else {
          s.status = 'COMPLETED';
          this.record(s, {
            step: s.currentStep,
            stepName: step.name,
            action: 'saga',
            event: 'completed',
          });
          timeout = null;
        }
      } else {
        s.failureReason = `${step.name}: ${reply.reason ?? 'failed'}`;
        timeout = await this.compensateFrom(em, def, s, s.currentStep - 1);
      }
    } else if (reply.outcome === 'succeeded') {
      timeout = await this.compensateFrom(em, def, s, s.currentStep - 1);
    } else {
      const policy = stepRetry(step);
      timeout =
        s.attempt < policy.maxAttempts
          ? policy.backoffMs // the deadline loop resends with the next attempt
          : this.park(
              s,
              step,
              `compensation ${step.name} refused ${s.attempt} times: ${reply.reason ?? ''}`,
            );
    }
    await sagaStore.update(em, s, timeout);
    return this.transitionOf(s, from);
  }

  /** The commands recorded as sent since history entry `from`, and the saga if it is terminal. */
  private transitionOf(s: SagaState, from: number): Transition {
    const sent: SagaCommandSent[] = [];
    for (const h of s.history.slice(from))
      if (h.event === 'sent' && h.action !== 'saga')
        sent.push({
          sagaId: s.id,
          type: s.type,
          step: h.step,
          stepName: h.stepName,
          action: h.action,
          attempt: h.attempt ?? 1,
        });
    if (!isTerminal(s.status)) return { sent, finished: undefined };
    const started = s.history.find((h) => h.event === 'started');
    const durationMs = started === undefined ? 0 : Date.now() - Date.parse(started.at);
    return {
      sent,
      finished: {
        id: s.id,
        type: s.type,
        status: s.status,
        reason: s.failureReason,
        durationMs: Math.max(0, durationMs),
      },
    };
  }

  private report(transition: Transition): void {
    for (const sent of transition.sent) for (const listener of this.sentListeners) listener(sent);
    if (transition.finished !== undefined)
      for (const listener of this.finishedListeners) listener(transition.finished);
  }

  /** Handles every saga whose deadline passed: resend, compensate or park. Never rejects. */
  private async tick(): Promise<void> {
    try {
      const ids = await sagaStore.due(this.options.orm.em.fork(), 50);
      for (const id of ids) {
        if (this.stopped) break;
        const transition = await this.options.orm.em.fork().transactional(async (em) => {
          const s = await sagaStore.lockDue(em, id);
          if (s === undefined) return undefined;
          return runWithContext(this.sagaContext(s), () => this.onDeadline(em, s));
        });
        this.relay.notify();
        if (transition !== undefined) this.report(transition);
      }
    } catch (err) {
      this.options.logger.warn({ err }, 'saga deadline check failed');
    }
  }

  private async onDeadline(em: EntityManager, s: SagaState): Promise<Transition> {
    const def = this.definition(s.type);
    const from = s.history.length;
    const step = def.steps[s.currentStep]!;
    const action = s.status === 'RUNNING' ? 'execute' : 'compensate';
    const policy = stepRetry(step);
    let timeout: number | null;
    if (s.attempt < policy.maxAttempts) {
      this.options.logger.warn(
        { step: step.name, action, attempt: s.attempt },
        'saga step timed out; resending',
      );
      timeout = await this.send(em, def, s, s.currentStep, action, s.attempt + 1);
    } else if (action === 'execute') {
      this.record(s, {
        step: s.currentStep,
        stepName: step.name,
        action,
        event: 'timed-out',
        attempt: s.attempt,
      });
      s.failureReason = `${step.name}: no reply after ${s.attempt} attempts`;
      this.options.logger.warn({ step: step.name }, 'saga step timed out for good; compensating');
      timeout = await this.compensateFrom(em, def, s, s.currentStep);
    } else {
      timeout = this.park(
        s,
        step,
        `compensation ${step.name} unanswered after ${s.attempt} attempts`,
      );
    }
    await sagaStore.update(em, s, timeout);
    return this.transitionOf(s, from);
  }
}
