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
import { BadUserInputError } from '@shop/platform';
import {
  SAGA_COMMAND_TOPIC_PREFIX,
  sagaCommandTopic,
  sagaParkedV1,
  sagaStepReplyV1,
  TOPICS,
  type Contract,
  type SagaCommandMeta,
} from '@shop/schema';
import {
  decide,
  parkedEvent,
  parkSaga,
  sagaIdProblem,
  startTransition,
  type SagaDecision,
  type SagaInput,
  type Transition,
} from './saga-decision.js';
import type { SagaDefinition, SagaRetryTrigger, SagaTrigger } from './saga-definition.js';
import { isTerminal, type SagaState, type SagaStatus } from './saga-state.js';
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
  /** Command topics are `<prefix><participant>` (`sagaCommandTopic`). @default 'sagas.commands.' */
  readonly commandTopicPrefix?: string;
  /** @default 'sagas.orchestrator' */
  readonly groupId?: string;
  /** Where `sagas.saga-parked@1` goes. @default 'sagas.events' */
  readonly eventsTopic?: string;
  /** The consumer group that reads the sagas' trigger events. @default `${groupId}.triggers` */
  readonly triggerGroupId?: string;
  /** How often due deadlines are checked. @default 100 */
  readonly timeoutPollMs?: number;
  /** How long a saga whose deadline failed to be handled waits before the next try. @default 5000 */
  readonly deadlineRetryMs?: number;
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

/** What a committed transition did: the commands it wrote and whether the saga finished. */
interface Outcome {
  readonly sent: readonly SagaCommandSent[];
  readonly finished: SagaFinished | undefined;
}

type Def = SagaDefinition<Record<string, unknown>>;

/**
 * The saga orchestrator: the I/O around `decide` (saga-decision.ts), which holds every rule. A
 * reply or a passed deadline locks the saga row, asks `decide` what follows and writes the answer
 * in that transaction: the new state first, then its commands through the outbox, the same order
 * for a new saga as for a transition. So a command is never published before the saga row shows
 * it as sent, a crash at any point resumes from the database, and several instances never handle
 * one saga at once. Each saga's deadline is handled in its own transaction: one saga that fails
 * there is postponed (or parked, when it cannot be handled at all) without holding up the others.
 */
export class SagaOrchestrator {
  private readonly defs = new Map<string, Def>();
  private readonly outbox = new Outbox('sagas');
  private readonly relay: OutboxRelay;
  private readonly replies: IdempotentConsumer<typeof sagaStepReplyV1, Outcome | undefined>;
  /** Reads the trigger events of the sagas that declare one; undefined when none does. */
  private readonly triggers: IdempotentConsumer<Contract, Outcome[]> | undefined;
  private readonly replyTopic: string;
  private readonly eventsTopic: string;
  private readonly commandTopicPrefix: string;
  private readonly finishedListeners = new Set<(f: SagaFinished) => void>();
  private readonly sentListeners = new Set<(c: SagaCommandSent) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** The deadline check in progress, which close() waits for before the caller closes the ORM. */
  private ticking: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: SagaOrchestratorOptions) {
    for (const def of options.sagas) {
      if (this.defs.has(def.type)) throw new Error(`saga type ${def.type} declared twice`);
      this.defs.set(def.type, def as Def);
    }
    this.replyTopic = options.replyTopic ?? TOPICS.sagaReplies;
    this.eventsTopic = options.eventsTopic ?? TOPICS.sagaEvents;
    this.commandTopicPrefix = options.commandTopicPrefix ?? SAGA_COMMAND_TOPIC_PREFIX;
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
      handle: ({ envelope }, { em }) =>
        this.onInput(em, envelope.data.sagaId, { kind: 'reply', reply: envelope.data }),
      afterCommit: (_decoded, outcome) => {
        this.relay.notify();
        // Listeners hear about a transition only once it is committed.
        if (outcome !== undefined) this.report(outcome);
      },
    });
    this.triggers = this.triggerConsumer();
  }

  /**
   * One consumer for every saga trigger (DESIGN 9: an event starts a saga) and every retry event
   * (an operator retries a parked saga). Its inbox row and the new or retried saga commit in one
   * transaction, and the saga id comes from the event's aggregate, so a redelivered or republished
   * event starts nothing new; a redelivered retry is stopped by the inbox, a republished one finds
   * the saga no longer parked. Several sagas may start from one event.
   */
  private triggerConsumer(): IdempotentConsumer<Contract, Outcome[]> | undefined {
    const defs = [...this.defs.values()];
    const triggered = defs.flatMap((def) =>
      def.trigger === undefined ? [] : [{ def, trigger: def.trigger as SagaTrigger<unknown> }],
    );
    const retried = defs.flatMap((def) =>
      def.retry === undefined ? [] : [def.retry as SagaRetryTrigger],
    );
    const listened = [...triggered.map((t) => t.trigger), ...retried];
    if (listened.length === 0) return undefined;
    const contracts = new Map(listened.map((t) => [t.contract.name, t.contract]));
    return new IdempotentConsumer<Contract, Outcome[]>({
      bus: this.options.bus,
      orm: this.options.orm,
      logger: this.options.logger,
      groupId:
        this.options.triggerGroupId ?? `${this.options.groupId ?? 'sagas.orchestrator'}.triggers`,
      topics: [...new Set(listened.map((t) => t.topic))],
      contracts: [...contracts.values()],
      // A service's topic carries many event types; only the triggers concern the orchestrator.
      skipOtherTypes: true,
      handle: async ({ contract, envelope }, { em }) => {
        const outcomes: Outcome[] = [];
        for (const { def, trigger } of triggered) {
          if (trigger.contract.name !== contract.name) continue;
          const start = trigger.start(envelope);
          if (start === null) continue;
          const outcome = await this.create(em, def.type, start.data, start.id);
          if (outcome !== undefined) outcomes.push(outcome);
        }
        for (const retry of retried) {
          if (retry.contract.name !== contract.name) continue;
          const target = retry.target(envelope);
          if (target === null) continue;
          const outcome = await this.onInput(em, target.sagaId, {
            kind: 'retry',
            requestedBy: target.requestedBy,
          });
          if (outcome !== undefined) outcomes.push(outcome);
        }
        return outcomes;
      },
      afterCommit: (_decoded, outcomes) => {
        this.relay.notify();
        for (const outcome of outcomes) this.report(outcome);
      },
    });
  }

  /**
   * The reply, events and trigger topics and every command topic of the declared sagas (create
   * them before start).
   */
  topics(): string[] {
    const participants = new Set(
      [...this.defs.values()].flatMap((def) => def.steps.map((step) => step.participant)),
    );
    const triggers = [...this.defs.values()].flatMap((def) => [
      ...(def.trigger === undefined ? [] : [def.trigger.topic]),
      ...(def.retry === undefined ? [] : [def.retry.topic]),
    ]);
    return [
      ...new Set([
        this.replyTopic,
        this.eventsTopic,
        ...[...participants].map((p) => sagaCommandTopic(p, this.commandTopicPrefix)),
        ...triggers,
      ]),
    ];
  }

  /** Starts the relay, the reply consumer and the deadline loop; in-flight sagas resume. */
  async start(): Promise<void> {
    this.stopped = false;
    this.relay.start();
    await this.replies.start();
    await this.triggers?.start();
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
    await this.triggers?.close();
    await this.relay.stop();
  }

  /**
   * Called with every saga that reaches a terminal status in this process. A parked saga that a
   * late reply resumes is reported again when it finishes.
   */
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

  /** Waits until the reply and trigger consumers joined their groups (tests and benchmarks). */
  async joined(): Promise<void> {
    await Promise.all([this.replies.kafkaConsumer.joined(), this.triggers?.kafkaConsumer.joined()]);
  }

  /**
   * Starts a saga in its own transaction and returns its id. Idempotent by id: starting an id that
   * exists changes nothing. Throws BadUserInputError for data the saga refuses or an id too long
   * for the command ids it produces (`<id>:<step>:compensate:<attempt>` within 64 characters).
   */
  async startSaga(type: string, data: unknown, options: { id?: string } = {}): Promise<string> {
    const id = options.id ?? crypto.randomUUID();
    const started = await this.fresh().transactional((em) => this.create(em, type, data, id));
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

  async get(id: string): Promise<SagaState | undefined> {
    return sagaStore.get(this.fresh(), id);
  }

  /** Sagas by status (e.g. NEEDS_ATTENTION for the operators' query). */
  async list(
    filter: { status?: SagaStatus; type?: string; limit?: number } = {},
  ): Promise<SagaState[]> {
    return sagaStore.list(this.fresh(), filter);
  }

  /** Writes a new saga with its first command; undefined when the id exists (nothing written). */
  private async create(
    em: EntityManager,
    type: string,
    data: unknown,
    id: string,
  ): Promise<Outcome | undefined> {
    const def = this.defs.get(type);
    if (def === undefined) throw new Error(`unknown saga type ${type}`);
    const idProblem = sagaIdProblem(def, id);
    if (idProblem !== undefined) throw new BadUserInputError(idProblem, { field: 'id' });
    const parsed = def.data.safeParse(data);
    if (!parsed.success)
      throw BadUserInputError.fromProblems(
        parsed.error.issues.map((i) => ({
          field: ['data', ...i.path.map(String)].join('.'),
          message: i.message,
        })),
      );
    const ctx = currentContext();
    const transition = startTransition(
      def,
      {
        id,
        data: parsed.data,
        requestId: ctx?.requestId ?? null,
        correlationId: ctx?.correlationId ?? ctx?.requestId ?? id,
      },
      new Date(),
    );
    return runWithContext(this.sagaContext(transition.state, ctx), async () => {
      const outcome = await this.write(em, undefined, transition);
      if (outcome !== undefined) this.options.logger.info({ sagaType: type }, 'saga started');
      return outcome;
    });
  }

  /** Loads and locks one saga, decides on the input and writes the result (caller's transaction). */
  private async onInput(
    em: EntityManager,
    id: string,
    input: SagaInput,
  ): Promise<Outcome | undefined> {
    const s =
      input.kind === 'deadline' ? await sagaStore.lockDue(em, id) : await sagaStore.lock(em, id);
    if (s === undefined) {
      if (input.kind !== 'deadline')
        this.options.logger.warn(
          { sagaId: id, input },
          `${input.kind} for an unknown saga ignored`,
        );
      return undefined;
    }
    return runWithContext(this.sagaContext(s), async () => {
      const def = this.defs.get(s.type);
      const decision: SagaDecision =
        def === undefined
          ? parkSaga(
              s,
              `saga type ${s.type} is not declared in this orchestrator (renamed or removed?)`,
              new Date(),
            )
          : decide(def, s, input, new Date());
      if (decision.kind === 'ignore') {
        this.options.logger.info({ reason: decision.reason }, 'saga input ignored');
        return undefined;
      }
      return this.write(em, s, decision);
    });
  }

  /**
   * Writes a transition: the saga row first (inserted for a new saga, else updated), then its
   * commands to the outbox, in the caller's transaction. The order matters only inside the
   * transaction (both commit together), but it is one order for every path, and the engine test
   * checks it: when a command row is written, the saga row already shows it sent.
   */
  private async write(
    em: EntityManager,
    before: SagaState | undefined,
    t: Transition,
  ): Promise<Outcome | undefined> {
    const s = t.state;
    if (before === undefined) {
      if (typeof t.deadlineMs !== 'number') throw new Error('a new saga needs a deadline');
      if (!(await sagaStore.insert(em, s, t.deadlineMs))) return undefined;
    } else await sagaStore.update(em, s, t.deadlineMs);
    const sent: SagaCommandSent[] = [];
    for (const c of t.commands) {
      const def = this.defs.get(s.type)!;
      const step = def.steps[c.step]!;
      const command = c.action === 'execute' ? step.execute : step.compensate;
      if (command === undefined) throw new Error(`step ${step.name} has no ${c.action} command`);
      const meta: SagaCommandMeta = {
        sagaId: s.id,
        sagaType: s.type,
        step: c.step,
        stepName: c.stepName,
        action: c.action,
        attempt: c.attempt,
        replyTo: this.replyTopic,
      };
      await this.outbox.add(em, command.contract, {
        topic: sagaCommandTopic(step.participant, this.commandTopicPrefix),
        key: s.id,
        id: c.id,
        data: {
          saga: meta,
          payload: command.payload(s.data, {
            id: s.id,
            failureReason: s.failureReason,
            history: s.history,
          }),
        },
        // The outbox adds the context's saga id only when the context has one (a message may lack it).
        headers: { [CONTEXT_HEADERS.sagaId]: s.id },
      });
      sent.push({
        sagaId: s.id,
        type: s.type,
        step: c.step,
        stepName: c.stepName,
        action: c.action,
        attempt: c.attempt,
      });
    }
    const log = this.options.logger;
    for (const line of t.log) log[line.level]({ sagaType: s.type, ...line.fields }, line.msg);
    // Parked: owning services hear it in the same transaction (orders flags the order for its
    // admins), so a parked saga is never known only to this database and its logs.
    const parked = parkedEvent(this.defs.get(s.type), before, s);
    if (parked !== undefined) {
      await this.outbox.add(em, sagaParkedV1, {
        topic: this.eventsTopic,
        key: s.id,
        data: parked,
        headers: { [CONTEXT_HEADERS.sagaId]: s.id },
      });
      log.error(
        { sagaType: s.type, subject: parked.subject, step: parked.stepName, reason: parked.reason },
        'saga parked as NEEDS_ATTENTION; sagas.saga-parked published',
      );
    }
    const finished =
      isTerminal(s.status) && s.status !== before?.status ? this.finishedOf(s) : undefined;
    return { sent, finished };
  }

  /**
   * A new entity manager on the orchestrator's own database, even when called inside another
   * ORM's transaction (a participant starting a saga from its own, say): MikroORM resolves
   * `orm.em` through a transaction context keyed by context name. `openMessagingOrm` and the
   * kit's `openServiceOrm` give every ORM a name of its own, but an ORM handed in may share
   * MikroORM's default one, and a plain fork would then run on the other ORM's database.
   */
  private fresh(): EntityManager {
    return this.options.orm.em.fork({ disableContextResolution: true });
  }

  private finishedOf(s: SagaState): SagaFinished {
    const started = s.history.find((h) => h.event === 'started');
    const durationMs = started === undefined ? 0 : Date.now() - Date.parse(started.at);
    return {
      id: s.id,
      type: s.type,
      status: s.status,
      reason: s.failureReason,
      durationMs: Math.max(0, durationMs),
    };
  }

  private sagaContext(s: SagaState, ctx?: RequestContext): RequestContext {
    return {
      ...ctx,
      requestId: s.requestId ?? ctx?.requestId ?? s.correlationId,
      correlationId: s.correlationId,
      sagaId: s.id,
    };
  }

  private report(outcome: Outcome): void {
    for (const sent of outcome.sent) for (const listener of this.sentListeners) listener(sent);
    if (outcome.finished !== undefined)
      for (const listener of this.finishedListeners) listener(outcome.finished);
  }

  /**
   * Handles every saga whose deadline passed, each in its own transaction: one that fails (the
   * database, a participant payload that throws) is logged and postponed by `deadlineRetryMs`, so
   * it neither ends the check for the others nor stays first in the next one. Never rejects.
   */
  private async tick(): Promise<void> {
    const log = this.options.logger;
    let ids: string[];
    try {
      ids = await sagaStore.due(this.fresh(), 50);
    } catch (err) {
      log.warn({ err }, 'saga deadline check failed');
      return;
    }
    for (const id of ids) {
      if (this.stopped) break;
      try {
        const outcome = await this.fresh().transactional((em) =>
          this.onInput(em, id, { kind: 'deadline' }),
        );
        this.relay.notify();
        if (outcome !== undefined) this.report(outcome);
      } catch (err) {
        const retryMs = this.options.deadlineRetryMs ?? 5000;
        log.error({ err, sagaId: id, retryMs }, 'saga deadline failed; postponed');
        try {
          await sagaStore.postpone(this.fresh(), id, retryMs);
        } catch (postponeErr) {
          log.warn({ err: postponeErr, sagaId: id }, 'saga deadline could not be postponed');
        }
      }
    }
  }
}
