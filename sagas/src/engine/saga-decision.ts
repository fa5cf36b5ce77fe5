import {
  MESSAGE_ID_MAX_LENGTH,
  sagaCommandId,
  sagaParkedDataV1,
  type SagaParkedV1,
  type SagaStepReplyV1,
} from '@shop/schema';
import { isPivot, stepRetry, type SagaDefinition } from './saga-definition.js';
import type { SagaHistoryEntry, SagaState } from './saga-state.js';

// The orchestrator's decisions, as one pure function: (saga state, reply or deadline) → (next
// state, commands to send, next deadline). No I/O, no clock (the caller passes `now`): the
// orchestrator loads the row under a lock, calls `decide` and writes what it returns in the same
// transaction. Every rule below is covered by saga-decision.spec.ts.
//
// The rules:
// - A step's command is sent with attempt 1; without a reply within the step's `timeoutMs` it is
//   resent with the next attempt, up to `retry.maxAttempts` sends in all.
// - When the last attempt of a compensable step goes unanswered, the step may have taken effect,
//   so the saga compensates from that step itself (a participant treats the compensation of a step
//   it never executed as a no-op, and refuses the execute if it comes later).
// - A pivot (a step without compensation, and every step after it) is never stepped over: when
//   its last attempt goes unanswered the saga is parked as NEEDS_ATTENTION. A refusal (no effect
//   happened) compensates the steps before it as usual; a refusal after the pivot parks the saga,
//   since the pivot cannot be undone. A saga without any compensable step (a forward-only saga,
//   e.g. cancel-order: every step must happen) parks on any refusal, its first step's included:
//   ending it FAILED would leave the request it carries out half done and nobody told.
// - A refused compensation is resent after `retry.backoffMs`; refused or unanswered on its last
//   attempt, the saga is parked as NEEDS_ATTENTION and nothing below it is compensated.
// - Replies are matched to the attempt they answer. A success answers the step whatever attempt
//   it came from (the participant is idempotent by saga, step and action, so every attempt's
//   reply says the same). A refusal counts only if it answers the latest attempt: an older
//   attempt's refusal is stale while a newer attempt is outstanding (a compensation's refusal is
//   run again on a resend, and so is an execute's whose participant reruns refusals; any other
//   participant repeats its recorded refusal to the newer attempt, which then counts).
// - A late success is never dropped:
//   - of the outstanding command of a parked saga: the saga resumes (a parked pivot completes or
//     moves on, a parked compensation goes on compensating);
//   - of a step the saga already compensates or compensated (it timed out for good): that step's
//     compensation was sent after its execute on the same participant and key, so the participant
//     undoes the late effect; the success is recorded in the history;
//   - of a step whose effect nothing undoes (a participant broke its contract): the saga is
//     parked with the reason, and stays parked: a later reply to its outstanding command is
//     recorded but does not resume it (it would end COMPLETED or FAILED over the effect).
//   A repeat of a reply already acted on, or a refusal that is not outstanding, is ignored.
// - A step whose `when` is false on the saga data when the saga reaches it is skipped: recorded
//   as `skipped`, nothing sent, and passed over again when compensating (only steps whose execute
//   was sent are compensated). A saga whose remaining steps are all skipped completes.
// - A command whose envelope id (`<saga id>:<step>:<action>:<attempt>`) would break the
//   envelope's id limit is not written: the saga is parked with the reason instead.
// - An operator's retry of a parked saga resends its outstanding command once, as the next
//   attempt (a new message id, so the participant's inbox lets it through): the saga runs or
//   compensates again from there, and parks again if that attempt is refused or unanswered. A saga
//   that is not parked, has no outstanding command, or was parked for an effect it does not undo
//   ignores the retry (the last needs a person, not a resend).

export type StepAction = 'execute' | 'compensate';

/** What happened to a saga: a participant's reply, its deadline passed, or an operator's retry. */
export type SagaInput =
  | { readonly kind: 'reply'; readonly reply: SagaStepReplyV1 }
  | { readonly kind: 'deadline' }
  | { readonly kind: 'retry'; readonly requestedBy: string };

/** One step command to write to the outbox with the new state. */
export interface SagaCommandOut {
  readonly step: number;
  readonly stepName: string;
  readonly action: StepAction;
  readonly attempt: number;
  /** The envelope id, `<saga id>:<step>:<action>:<attempt>`. */
  readonly id: string;
}

/** A line the orchestrator logs for a transition. */
export interface SagaLogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export type SagaDecision =
  /** Nothing to write: a stale or repeated reply, or a deadline of a saga no longer in flight. */
  | { readonly kind: 'ignore'; readonly reason: string }
  | {
      readonly kind: 'transition';
      readonly state: SagaState;
      /** Written to the outbox in the transaction that writes `state`. */
      readonly commands: readonly SagaCommandOut[];
      /** Next deadline, in ms from the write; null clears it; 'keep' leaves it as it is. */
      readonly deadlineMs: number | null | 'keep';
      readonly log: readonly SagaLogLine[];
    };

export type Transition = Extract<SagaDecision, { kind: 'transition' }>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Def = SagaDefinition<any>;

/** The command a saga waits for a reply to: from its status, or for a parked saga its last send. */
export function outstanding(
  s: SagaState,
): { step: number; action: StepAction; attempt: number } | undefined {
  if (s.status === 'RUNNING') return { step: s.currentStep, action: 'execute', attempt: s.attempt };
  if (s.status === 'COMPENSATING')
    return { step: s.currentStep, action: 'compensate', attempt: s.attempt };
  if (s.status !== 'NEEDS_ATTENTION') return undefined;
  const sent = s.history.findLast((h) => h.event === 'sent');
  if (sent === undefined || sent.action === 'saga' || sent.step !== s.currentStep) return undefined;
  return { step: sent.step, action: sent.action, attempt: sent.attempt ?? s.attempt };
}

/**
 * Why a saga id cannot be used with this saga, or undefined when it can: its longest command id
 * (`<id>:<last step>:compensate:<max attempts>`) must fit the envelope's id limit.
 */
export function sagaIdProblem(def: Def, id: string): string | undefined {
  if (id.length === 0) return 'saga id is empty';
  let longest = '';
  def.steps.forEach((step, index) => {
    const action: StepAction = isPivot(step) ? 'execute' : 'compensate';
    const candidate = sagaCommandId({
      sagaId: id,
      step: index,
      action,
      attempt: stepRetry(step).maxAttempts,
    });
    if (candidate.length > longest.length) longest = candidate;
  });
  if (longest.length <= MESSAGE_ID_MAX_LENGTH) return undefined;
  const room = id.length - (longest.length - MESSAGE_ID_MAX_LENGTH);
  return `saga id is ${id.length} characters; saga ${def.type} allows at most ${room}, so that its longest command id (${longest.length} characters) fits the ${MESSAGE_ID_MAX_LENGTH}-character message id`;
}

/** The first transition of a new saga: RUNNING, the first step's command sent with attempt 1. */
export function startTransition(
  def: Def,
  init: {
    readonly id: string;
    readonly data: Record<string, unknown>;
    readonly requestId: string | null;
    readonly correlationId: string;
  },
  now: Date,
): Transition {
  const state: SagaState = {
    id: init.id,
    type: def.type,
    status: 'RUNNING',
    currentStep: 0,
    attempt: 1,
    data: init.data,
    history: [],
    deadlineAt: null,
    failureReason: null,
    requestId: init.requestId,
    correlationId: init.correlationId,
    createdAt: now,
    updatedAt: now,
  };
  const d = new Draft(def, state, now);
  d.record({ step: 0, stepName: def.steps[0]!.name, action: 'saga', event: 'started' });
  d.executeFrom(0);
  const result = d.result(state);
  // A new saga's id was checked against every command id it can produce (sagaIdProblem).
  if (result.kind !== 'transition' || result.state.status === 'NEEDS_ATTENTION')
    throw new Error(`saga id ${init.id} cannot be started`);
  return result;
}

/** The pure decision: what a reply or a passed deadline does to a saga. */
export function decide(def: Def, s: SagaState, input: SagaInput, now: Date): SagaDecision {
  const d = new Draft(def, s, now);
  const ignored =
    input.kind === 'deadline'
      ? onDeadline(d)
      : input.kind === 'retry'
        ? onRetry(d, input.requestedBy)
        : onReply(d, input.reply);
  return ignored ?? d.result(s);
}

/** Parks a saga this instance cannot handle at all (e.g. a saga type it does not know). */
export function parkSaga(s: SagaState, reason: string, now: Date): Transition {
  const state = structuredClone(s);
  state.status = 'NEEDS_ATTENTION';
  state.failureReason = reason;
  state.history.push({
    at: now.toISOString(),
    step: s.currentStep,
    stepName: s.history.findLast((h) => h.step === s.currentStep)?.stepName ?? '',
    action: 'saga',
    event: 'needs-attention',
    detail: reason,
  });
  return {
    kind: 'transition',
    state,
    commands: [],
    deadlineMs: null,
    log: [{ level: 'error', msg: 'saga parked as NEEDS_ATTENTION', fields: { reason } }],
  };
}

/** Longest `reason` the `sagas.saga-parked` event carries. */
const PARKED_REASON_MAX = sagaParkedDataV1.shape.reason.maxLength ?? 2000;

/**
 * The `sagas.saga-parked@1` event a transition owes: when it parks a saga that was not parked
 * before (a saga parked again after a late reply resumed it owes a new one); undefined otherwise.
 * `def` is undefined for a saga type this orchestrator does not know (subject then null).
 */
export function parkedEvent(
  def: Def | undefined,
  before: SagaState | undefined,
  after: SagaState,
): SagaParkedV1 | undefined {
  if (after.status !== 'NEEDS_ATTENTION' || before?.status === 'NEEDS_ATTENTION') return undefined;
  let subject: string | null = null;
  try {
    subject = def?.subject?.(after.data) || null;
  } catch {
    subject = null; // data that predates the definition's shape; the saga id still names it
  }
  const reason = after.failureReason || 'parked';
  return {
    sagaId: after.id,
    sagaType: after.type,
    subject,
    stepName: def?.steps[after.currentStep]?.name ?? `step ${after.currentStep}`,
    reason:
      reason.length > PARKED_REASON_MAX ? `${reason.slice(0, PARKED_REASON_MAX - 1)}…` : reason,
  };
}

type Ignore = { readonly kind: 'ignore'; readonly reason: string } | undefined;
const ignore = (reason: string): Ignore => ({ kind: 'ignore', reason });

function onDeadline(d: Draft): Ignore {
  const s = d.s;
  if (s.status !== 'RUNNING' && s.status !== 'COMPENSATING')
    return ignore(`deadline of a saga that is ${s.status}`);
  const step = d.def.steps[s.currentStep];
  if (step === undefined)
    return d.park(`step ${s.currentStep} is not in saga ${s.type} (${d.def.steps.length} steps)`);
  const action: StepAction = s.status === 'RUNNING' ? 'execute' : 'compensate';
  const { maxAttempts } = stepRetry(step);
  if (s.attempt < maxAttempts) {
    d.log('warn', 'saga step unanswered; resending', {
      step: step.name,
      action,
      attempt: s.attempt,
    });
    d.send(s.currentStep, action, s.attempt + 1);
    return undefined;
  }
  if (action === 'compensate')
    return d.park(`compensation ${step.name} unanswered after ${s.attempt} attempts`);
  d.record({
    step: s.currentStep,
    stepName: step.name,
    action,
    event: 'timed-out',
    attempt: s.attempt,
  });
  const reason = `${step.name}: no reply after ${s.attempt} attempts`;
  if (isPivot(step))
    return d.park(
      `${reason}; it cannot be undone, so it is not stepped over (a late reply resumes the saga)`,
    );
  d.log('warn', 'saga step unanswered for good; compensating', { step: step.name });
  // The step may have taken effect: its own compensation runs first.
  return d.compensateFrom(s.currentStep, reason);
}

function onRetry(d: Draft, requestedBy: string): Ignore {
  const s = d.s;
  if (s.status !== 'NEEDS_ATTENTION') return ignore(`retry of a saga that is ${s.status}`);
  const out = outstanding(s);
  if (out === undefined) return ignore('retry of a parked saga with no outstanding command');
  if (effectLeftUndone(s))
    return ignore('retry of a saga parked for an effect it does not undo; a person must decide');
  d.resume(out.action, `retried by ${requestedBy}`);
  d.send(out.step, out.action, out.attempt + 1);
  return undefined;
}

function onReply(d: Draft, r: SagaStepReplyV1): Ignore {
  const s = d.s;
  if (r.sagaType !== s.type) return ignore(`reply for saga type ${r.sagaType}, saga is ${s.type}`);
  const step = d.def.steps[r.step];
  if (step === undefined) return ignore(`reply for step ${r.step}, which saga ${s.type} lacks`);
  const out = outstanding(s);
  if (out === undefined || out.step !== r.step || out.action !== r.action) return offBeat(d, r);
  if (r.attempt > out.attempt)
    return ignore(`reply for attempt ${r.attempt}; only ${out.attempt} were sent`);
  if (r.outcome === 'failed' && r.attempt < out.attempt)
    return ignore(`refusal of attempt ${r.attempt}; attempt ${out.attempt} is outstanding`);
  if (s.status === 'NEEDS_ATTENTION' && effectLeftUndone(s)) {
    // Resuming would end the saga COMPLETED or FAILED and hide the effect; an operator decides.
    d.record({
      step: r.step,
      stepName: step.name,
      action: r.action,
      event: r.outcome,
      attempt: r.attempt,
      ...(r.reason === undefined ? {} : { detail: r.reason }),
    });
    d.log('warn', 'reply to a saga parked for an effect it does not undo; left parked', {
      step: step.name,
      action: r.action,
      outcome: r.outcome,
    });
    return undefined;
  }
  if (s.status === 'NEEDS_ATTENTION') d.resume(r.action, 'a late reply');
  d.record({
    step: r.step,
    stepName: step.name,
    action: r.action,
    event: r.outcome,
    attempt: r.attempt,
    ...(r.reason === undefined ? {} : { detail: r.reason }),
  });
  if (r.action === 'execute') {
    if (r.outcome === 'failed')
      return d.compensateFrom(r.step - 1, `${step.name}: ${r.reason ?? 'failed'}`);
    s.data = { ...s.data, ...r.result };
    d.executeFrom(r.step + 1);
    return undefined;
  }
  if (r.outcome === 'succeeded') return d.compensateNext(r.step - 1);
  const { maxAttempts, backoffMs } = stepRetry(step);
  if (s.attempt >= maxAttempts)
    return d.park(`compensation ${step.name} refused ${s.attempt} times: ${r.reason ?? ''}`);
  d.log('warn', 'saga compensation refused; resending after the backoff', {
    step: step.name,
    attempt: s.attempt,
    reason: r.reason,
  });
  d.deadlineMs = backoffMs; // the deadline resends with the next attempt
  return undefined;
}

/**
 * Whether the saga was parked for a step's success it neither waited for nor undoes (see
 * `offBeat`): recorded after the last command sent, for another step than that command's.
 */
function effectLeftUndone(s: SagaState): boolean {
  const last = s.history.findLastIndex((h) => h.event === 'sent');
  const sent = s.history[last];
  return s.history
    .slice(last + 1)
    .some((h) => h.action === 'execute' && h.event === 'succeeded' && h.step !== sent?.step);
}

/** A reply that does not answer the outstanding command. */
function offBeat(d: Draft, r: SagaStepReplyV1): Ignore {
  const s = d.s;
  const seen = (action: StepAction, event: string): boolean =>
    s.history.some((h) => h.step === r.step && h.action === action && h.event === event);
  if (r.outcome === 'failed') return ignore(`stale refusal of step ${r.step} ${r.action}`);
  if (seen(r.action, 'succeeded') || seen(r.action, 'succeeded-late'))
    return ignore(`repeated success of step ${r.step} ${r.action}`);
  const stepName = d.def.steps[r.step]!.name;
  if (r.action === 'compensate')
    return ignore(`success of compensation ${stepName} that was never outstanding`);
  if (seen('compensate', 'sent')) {
    // Its compensation went to the same participant after this execute: it undoes the effect.
    d.record({
      step: r.step,
      stepName,
      action: 'execute',
      event: 'succeeded-late',
      attempt: r.attempt,
      detail: 'after the step timed out; its compensation undoes it',
    });
    d.log('warn', 'late success of a timed-out step; its compensation undoes it', {
      step: stepName,
    });
    d.deadlineMs = 'keep';
    return undefined;
  }
  d.record({ step: r.step, stepName, action: 'execute', event: 'succeeded', attempt: r.attempt });
  return d.park(
    `step ${stepName} succeeded after the saga had moved on without it (${s.status} at step ${s.currentStep}); its effect is not undone`,
  );
}

/** The state being decided on (a copy of the loaded one) and what to write with it. */
class Draft {
  readonly s: SagaState;
  readonly commands: SagaCommandOut[] = [];
  deadlineMs: number | null | 'keep' = null;
  private readonly lines: SagaLogLine[] = [];
  private readonly at: string;

  constructor(
    readonly def: Def,
    from: SagaState,
    private readonly now: Date,
  ) {
    this.s = structuredClone(from);
    this.at = now.toISOString();
  }

  record(entry: Omit<SagaHistoryEntry, 'at'>): void {
    this.s.history.push({ at: this.at, ...entry });
  }

  log(level: SagaLogLine['level'], msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level, msg, ...(fields === undefined ? {} : { fields }) });
  }

  /** Sends one step command: the state records it as sent and waits for it. */
  send(index: number, action: StepAction, attempt: number): void {
    const step = this.def.steps[index]!;
    this.s.currentStep = index;
    this.s.attempt = attempt;
    this.record({ step: index, stepName: step.name, action, event: 'sent', attempt });
    this.commands.push({
      step: index,
      stepName: step.name,
      action,
      attempt,
      id: sagaCommandId({ sagaId: this.s.id, step: index, action, attempt }),
    });
    this.deadlineMs = step.timeoutMs;
  }

  /**
   * Sends the first step from `index` on whose `when` holds, recording the ones skipped; completes
   * the saga when none is left.
   */
  executeFrom(index: number): void {
    let next = index;
    for (; next < this.def.steps.length; next++) {
      const step = this.def.steps[next]!;
      if (step.when === undefined || step.when(this.s.data)) break;
      this.record({ step: next, stepName: step.name, action: 'execute', event: 'skipped' });
    }
    if (next < this.def.steps.length) this.send(next, 'execute', 1);
    else this.complete();
  }

  /** Whether step `index`'s execute was ever sent (a skipped step has nothing to compensate). */
  private ran(index: number): boolean {
    return this.s.history.some(
      (h) => h.step === index && h.action === 'execute' && h.event === 'sent',
    );
  }

  /** Starts compensating backwards from step `from` (FAILED when there is nothing to undo). */
  compensateFrom(from: number, reason: string): Ignore {
    this.s.failureReason = reason;
    const step = this.def.steps[from];
    if (step !== undefined && isPivot(step))
      return this.park(`${reason}; step ${step.name} before it cannot be undone`);
    if (this.def.steps.every(isPivot))
      return this.park(`${reason}; saga ${this.def.type} is forward-only (nothing compensable)`);
    if (step !== undefined)
      this.record({
        step: from,
        stepName: step.name,
        action: 'saga',
        event: 'compensating',
        detail: reason,
      });
    return this.compensateNext(from);
  }

  /** Compensates step `index` next, or ends FAILED below step 0. */
  compensateNext(from: number): Ignore {
    let index = from;
    while (index >= 0 && !this.ran(index)) index--;
    if (index < 0) {
      this.s.status = 'FAILED';
      this.record({
        step: 0,
        stepName: this.def.steps[0]!.name,
        action: 'saga',
        event: 'failed',
        detail: this.s.failureReason ?? '',
      });
      this.deadlineMs = null;
      return undefined;
    }
    this.s.status = 'COMPENSATING';
    this.send(index, 'compensate', 1);
    return undefined;
  }

  complete(): void {
    this.s.status = 'COMPLETED';
    this.s.failureReason = null;
    const last = this.def.steps.length - 1;
    this.record({
      step: last,
      stepName: this.def.steps[last]!.name,
      action: 'saga',
      event: 'completed',
    });
    this.deadlineMs = null;
  }

  /** A parked saga goes on from where it stopped: its outstanding command answered, or a retry. */
  resume(action: StepAction, by: string): void {
    const parkedFor = this.s.failureReason ?? '';
    this.s.status = action === 'execute' ? 'RUNNING' : 'COMPENSATING';
    // Compensating again: the reason is the failure that started it, not why it was parked.
    this.s.failureReason =
      action === 'execute'
        ? null
        : (this.s.history.findLast((h) => h.event === 'compensating')?.detail ?? parkedFor);
    this.record({
      step: this.s.currentStep,
      stepName: this.def.steps[this.s.currentStep]?.name ?? '',
      action: 'saga',
      event: 'resumed',
      detail: `${by}; was parked: ${parkedFor}`,
    });
    this.log('warn', `parked saga resumed by ${by}`, { parkedFor });
  }

  park(reason: string): Ignore {
    const parked = parkSaga(this.s, reason, this.now);
    Object.assign(this.s, parked.state);
    this.commands.length = 0;
    this.deadlineMs = null;
    this.lines.push(...parked.log);
    return undefined;
  }

  /** The transition; a command id that breaks the envelope's limit parks the saga instead. */
  result(loaded: SagaState): SagaDecision {
    const tooLong = this.commands.find((c) => c.id.length > MESSAGE_ID_MAX_LENGTH);
    if (tooLong !== undefined)
      return parkSaga(
        loaded,
        `command id ${tooLong.id} is ${tooLong.id.length} characters, more than the ${MESSAGE_ID_MAX_LENGTH} a message id allows`,
        this.now,
      );
    return {
      kind: 'transition',
      state: this.s,
      commands: this.commands,
      deadlineMs: this.deadlineMs,
      log: this.lines,
    };
  }
}
