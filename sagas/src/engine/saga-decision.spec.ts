import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reserveItemsV1, type SagaStepReplyV1 } from '@shop/schema';
import { z } from 'zod';
import {
  decide,
  parkedEvent,
  parkSaga,
  sagaIdProblem,
  startTransition,
  type SagaDecision,
  type SagaInput,
} from './saga-decision.js';
import { defineSaga, type SagaStep } from './saga-definition.js';
import type { SagaState, SagaStatus } from './saga-state.js';

const TIMEOUT = 1000;
const BACKOFF = 200;
const command = { contract: reserveItemsV1, payload: () => ({ sku: 's', quantity: 1 }) };
const step = (name: string, compensable = true): SagaStep<Record<string, unknown>> => ({
  name,
  participant: name,
  execute: command,
  ...(compensable ? { compensate: command } : {}),
  timeoutMs: TIMEOUT,
  retry: { maxAttempts: 2, backoffMs: BACKOFF },
});
const saga = (type: string, steps: SagaStep<Record<string, unknown>>[]) =>
  defineSaga({ type, data: z.record(z.string(), z.unknown()), steps });

/** reserve → charge → ship, all compensable. */
const THREE = saga('three', [step('reserve'), step('charge'), step('ship')]);
/** reserve → charge → confirm, confirm without compensation: the pivot (the place-order shape). */
const PIVOT = saga('pivot', [step('reserve'), step('charge'), step('confirm', false)]);
/** reserve → commit (pivot) → notify (retriable, after the pivot). */
const AFTER_PIVOT = saga('after-pivot', [
  step('reserve'),
  step('commit', false),
  step('notify', false),
]);

/** restock → refund, neither compensable (the cancel-order shape). */
const FORWARD_ONLY = saga('forward-only', [step('restock', false), step('refund', false)]);

type Def = typeof THREE;
type Action = 'execute' | 'compensate';
const NOW = new Date('2026-01-01T00:00:00.000Z');

const reply = (
  def: Def,
  stepIndex: number,
  action: Action,
  attempt: number,
  outcome: 'succeeded' | 'failed',
  extra: Partial<SagaStepReplyV1> = {},
): SagaInput => ({
  kind: 'reply',
  reply: {
    sagaId: 'saga-1',
    sagaType: def.type,
    step: stepIndex,
    action,
    attempt,
    outcome,
    ...(outcome === 'failed' ? { reason: 'refused' } : {}),
    ...extra,
  },
});
// Shorthands, bound to a definition in each row.
const ok =
  (s: number, a: Action, n = 1) =>
  (def: Def) =>
    reply(def, s, a, n, 'succeeded');
const no =
  (s: number, a: Action, n = 1) =>
  (def: Def) =>
    reply(def, s, a, n, 'failed');
const deadline = () => (): SagaInput => ({ kind: 'deadline' });
const retry = () => (): SagaInput => ({ kind: 'retry', requestedBy: 'admin a-1' });

/** Runs a saga from its start through the inputs; returns the last decision and the state. */
function run(
  def: Def,
  inputs: readonly ((def: Def) => SagaInput)[],
  id = 'saga-1',
): { last: SagaDecision; state: SagaState } {
  let last: SagaDecision = startTransition(
    def,
    { id, data: {}, requestId: null, correlationId: id },
    NOW,
  );
  let state = last.state;
  for (const input of inputs) {
    last = decide(def, state, input(def), NOW);
    if (last.kind === 'transition') state = last.state;
  }
  return { last, state };
}

interface Row {
  readonly name: string;
  readonly def: Def;
  readonly inputs: readonly ((def: Def) => SagaInput)[];
  /** undefined: the last input was ignored. */
  readonly status?: SagaStatus;
  /** `action:step:attempt` of the commands the last input sends. */
  readonly sends?: readonly string[];
  readonly deadline?: number | null | 'keep';
  readonly reason?: RegExp;
  readonly ignored?: RegExp;
}

const rows: Row[] = [
  // Forward.
  {
    name: 'a step success sends the next step, attempt 1',
    def: THREE,
    inputs: [ok(0, 'execute')],
    status: 'RUNNING',
    sends: ['execute:1:1'],
    deadline: TIMEOUT,
  },
  {
    name: 'the last step success completes the saga',
    def: THREE,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), ok(2, 'execute')],
    status: 'COMPLETED',
    sends: [],
    deadline: null,
  },
  {
    name: 'an unanswered step is resent with the next attempt',
    def: THREE,
    inputs: [deadline()],
    status: 'RUNNING',
    sends: ['execute:0:2'],
    deadline: TIMEOUT,
  },
  // Refusals.
  {
    name: 'a refused first step fails the saga with nothing to compensate',
    def: THREE,
    inputs: [no(0, 'execute')],
    status: 'FAILED',
    sends: [],
    deadline: null,
    reason: /reserve: refused/,
  },
  {
    name: 'a refused step compensates the steps before it, last first',
    def: THREE,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), no(2, 'execute')],
    status: 'COMPENSATING',
    sends: ['compensate:1:1'],
    reason: /ship: refused/,
  },
  {
    name: 'an execute refusal of an older attempt waits for the newer one (a participant may rerun refusals)',
    def: THREE,
    inputs: [ok(0, 'execute'), deadline(), no(1, 'execute', 1)],
    ignored: /refusal of attempt 1; attempt 2 is outstanding/,
  },
  {
    name: 'the newer attempt repeating the refusal compensates',
    def: THREE,
    inputs: [ok(0, 'execute'), deadline(), no(1, 'execute', 1), no(1, 'execute', 2)],
    status: 'COMPENSATING',
    sends: ['compensate:0:1'],
  },
  {
    name: 'a compensated chain ends FAILED with the first failure as the reason',
    def: THREE,
    inputs: [ok(0, 'execute'), no(1, 'execute'), ok(0, 'compensate')],
    status: 'FAILED',
    sends: [],
    deadline: null,
    reason: /charge: refused/,
  },
  // Timeouts of compensable steps (point 1: a late success is acted on).
  {
    name: 'a compensable step unanswered on its last attempt is compensated itself first',
    def: THREE,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), deadline(), deadline()],
    status: 'COMPENSATING',
    sends: ['compensate:2:1'],
    reason: /ship: no reply after 2 attempts/,
  },
  {
    name: 'a late success of a timed-out step whose compensation was sent is recorded, the compensation goes on',
    def: THREE,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), deadline(), deadline(), ok(2, 'execute', 1)],
    status: 'COMPENSATING',
    sends: [],
    deadline: 'keep',
  },
  {
    name: 'a late success of a timed-out step while compensating earlier steps is recorded too',
    def: THREE,
    inputs: [
      ok(0, 'execute'),
      ok(1, 'execute'),
      deadline(),
      deadline(),
      ok(2, 'compensate'),
      ok(2, 'execute', 2),
    ],
    status: 'COMPENSATING',
    sends: [],
    deadline: 'keep',
  },
  {
    name: 'a success of an execute the saga moved on from without compensating parks it',
    def: THREE,
    inputs: [ok(0, 'execute'), no(1, 'execute'), ok(0, 'compensate'), ok(1, 'execute')],
    status: 'NEEDS_ATTENTION',
    sends: [],
    reason: /charge succeeded after the saga had moved on/,
  },
  {
    name: 'a saga parked for an effect it does not undo stays parked when its outstanding command answers',
    def: THREE,
    // charge refused (compensate reserve sent), then charge's late success: parked. The release of
    // the stock answering must not resume the saga to FAILED, hiding the charge nobody undid.
    inputs: [ok(0, 'execute'), no(1, 'execute'), ok(1, 'execute'), ok(0, 'compensate')],
    status: 'NEEDS_ATTENTION',
    sends: [],
    reason: /charge succeeded after the saga had moved on/,
  },
  // The pivot (point 1).
  {
    name: 'a pivot unanswered on its last attempt parks the saga, never stepped over',
    def: PIVOT,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), deadline(), deadline()],
    status: 'NEEDS_ATTENTION',
    sends: [],
    deadline: null,
    reason: /confirm: no reply after 2 attempts; it cannot be undone/,
  },
  {
    name: 'a parked pivot that then succeeds completes the saga',
    def: PIVOT,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), deadline(), deadline(), ok(2, 'execute', 1)],
    status: 'COMPLETED',
    sends: [],
  },
  {
    name: 'a parked pivot that then refuses compensates the steps before it',
    def: PIVOT,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), deadline(), deadline(), no(2, 'execute', 2)],
    status: 'COMPENSATING',
    sends: ['compensate:1:1'],
    reason: /confirm: refused/,
  },
  {
    name: "a resent pivot's first attempt succeeding completes the saga",
    def: PIVOT,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), deadline(), ok(2, 'execute', 1)],
    status: 'COMPLETED',
  },
  {
    name: 'a forward-only saga (nothing compensable) parks on a refusal of its first step',
    def: FORWARD_ONLY,
    inputs: [no(0, 'execute')],
    status: 'NEEDS_ATTENTION',
    sends: [],
    deadline: null,
    reason: /restock: refused; saga forward-only is forward-only/,
  },
  {
    name: 'a refusal after the pivot parks the saga: the pivot cannot be undone',
    def: AFTER_PIVOT,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), no(2, 'execute')],
    status: 'NEEDS_ATTENTION',
    sends: [],
    reason: /notify: refused; step commit before it cannot be undone/,
  },
  // Compensation retries and attempts (point 4).
  {
    name: 'a refused compensation waits the backoff before it is resent',
    def: THREE,
    inputs: [ok(0, 'execute'), no(1, 'execute'), no(0, 'compensate')],
    status: 'COMPENSATING',
    sends: [],
    deadline: BACKOFF,
  },
  {
    name: 'the backoff deadline resends the compensation with the next attempt',
    def: THREE,
    inputs: [ok(0, 'execute'), no(1, 'execute'), no(0, 'compensate'), deadline()],
    status: 'COMPENSATING',
    sends: ['compensate:0:2'],
  },
  {
    name: 'a compensation refused on its last attempt parks the saga',
    def: THREE,
    inputs: [
      ok(0, 'execute'),
      no(1, 'execute'),
      no(0, 'compensate'),
      deadline(),
      no(0, 'compensate', 2),
    ],
    status: 'NEEDS_ATTENTION',
    reason: /compensation reserve refused 2 times/,
  },
  {
    name: "an older attempt's compensation refusal is stale while a newer attempt is outstanding",
    def: THREE,
    inputs: [ok(0, 'execute'), no(1, 'execute'), deadline(), no(0, 'compensate', 1)],
    ignored: /refusal of attempt 1; attempt 2 is outstanding/,
  },
  {
    name: "the newer attempt's success after a stale refusal goes on compensating",
    def: THREE,
    inputs: [
      ok(0, 'execute'),
      ok(1, 'execute'),
      no(2, 'execute'),
      deadline(),
      no(1, 'compensate', 1),
      ok(1, 'compensate', 2),
    ],
    status: 'COMPENSATING',
    sends: ['compensate:0:1'],
  },
  {
    name: "an older attempt's compensation success is acted on",
    def: THREE,
    inputs: [
      ok(0, 'execute'),
      ok(1, 'execute'),
      no(2, 'execute'),
      deadline(),
      ok(1, 'compensate', 1),
    ],
    status: 'COMPENSATING',
    sends: ['compensate:0:1'],
  },
  {
    name: 'a compensation unanswered on its last attempt parks the saga',
    def: THREE,
    inputs: [ok(0, 'execute'), ok(1, 'execute'), no(2, 'execute'), deadline(), deadline()],
    status: 'NEEDS_ATTENTION',
    reason: /compensation charge unanswered after 2 attempts/,
  },
  {
    name: 'a parked compensation that then succeeds resumes compensating, with the first failure as the reason',
    def: THREE,
    inputs: [
      ok(0, 'execute'),
      ok(1, 'execute'),
      no(2, 'execute'),
      deadline(),
      deadline(),
      ok(1, 'compensate', 2),
    ],
    status: 'COMPENSATING',
    sends: ['compensate:0:1'],
    reason: /^ship: refused$/,
  },
  // Stale and repeated replies.
  {
    name: 'a repeated success of a step already acted on is ignored',
    def: THREE,
    inputs: [ok(0, 'execute'), deadline(), ok(1, 'execute', 1), ok(0, 'execute', 2)],
    ignored: /repeated success/,
  },
  {
    name: "a late execute's refusal after its compensation is ignored",
    def: THREE,
    inputs: [ok(0, 'execute'), deadline(), deadline(), ok(1, 'compensate'), no(1, 'execute', 2)],
    ignored: /stale refusal/,
  },
  {
    name: 'a reply for an attempt never sent is ignored',
    def: THREE,
    inputs: [ok(0, 'execute', 2)],
    ignored: /attempt 2; only 1 were sent/,
  },
  {
    name: 'a deadline of a finished saga is ignored',
    def: THREE,
    inputs: [no(0, 'execute'), deadline()],
    ignored: /FAILED/,
  },
  {
    name: 'a retry resends the parked step of a forward-only saga once, as the next attempt',
    def: FORWARD_ONLY,
    inputs: [no(0, 'execute'), retry()],
    status: 'RUNNING',
    sends: ['execute:0:2'],
    deadline: TIMEOUT,
  },
  {
    name: 'a retried step that succeeds moves the saga on',
    def: FORWARD_ONLY,
    inputs: [no(0, 'execute'), retry(), ok(0, 'execute', 2)],
    status: 'RUNNING',
    sends: ['execute:1:1'],
  },
  {
    name: 'a retried step refused again parks the saga again',
    def: FORWARD_ONLY,
    inputs: [no(0, 'execute'), retry(), no(0, 'execute', 2)],
    status: 'NEEDS_ATTENTION',
    reason: /restock: refused/,
  },
  {
    name: 'a retried step unanswered parks again (a retry is one more attempt, not a new budget)',
    def: FORWARD_ONLY,
    inputs: [no(0, 'execute'), retry(), deadline()],
    status: 'NEEDS_ATTENTION',
    reason: /no reply after 2 attempts/,
  },
  {
    name: 'a retry of a parked compensation resends the compensation',
    def: THREE,
    inputs: [
      ok(0, 'execute'),
      no(1, 'execute'),
      no(0, 'compensate'),
      deadline(),
      no(0, 'compensate', 2),
      retry(),
    ],
    status: 'COMPENSATING',
    sends: ['compensate:0:3'],
  },
  {
    name: 'a retry of a running saga is ignored',
    def: THREE,
    inputs: [retry()],
    ignored: /retry of a saga that is RUNNING/,
  },
  {
    name: 'a retry of a saga parked for an effect it does not undo is ignored',
    def: AFTER_PIVOT,
    inputs: [ok(0, 'execute'), deadline(), deadline(), ok(2, 'execute'), retry()],
    ignored: /an effect it does not undo/,
  },
  {
    name: 'a reply of another saga type is ignored',
    def: THREE,
    inputs: [(def) => reply(def, 0, 'execute', 1, 'succeeded', { sagaType: 'other' })],
    ignored: /saga type other/,
  },
];

describe('decide: (saga state, reply or deadline) → (next state, commands, deadline)', () => {
  for (const row of rows)
    it(row.name, () => {
      const { last, state } = run(row.def, row.inputs);
      if (row.ignored !== undefined) {
        assert.equal(last.kind, 'ignore');
        assert.match(last.kind === 'ignore' ? last.reason : '', row.ignored);
        return;
      }
      assert.equal(last.kind, 'transition', last.kind === 'ignore' ? last.reason : '');
      if (last.kind !== 'transition') return;
      if (row.status !== undefined)
        assert.equal(state.status, row.status, state.failureReason ?? '');
      if (row.sends !== undefined)
        assert.deepEqual(
          last.commands.map((c) => `${c.action}:${c.step}:${c.attempt}`),
          row.sends,
        );
      if (row.deadline !== undefined) assert.equal(last.deadlineMs, row.deadline);
      if (row.reason !== undefined) assert.match(state.failureReason ?? '', row.reason);
      // The invariant the orchestrator relies on: every command is recorded as sent in the state
      // written with it, and the state waits for the last one.
      for (const c of last.commands)
        assert.ok(
          state.history.some(
            (h) =>
              h.event === 'sent' &&
              h.step === c.step &&
              h.action === c.action &&
              h.attempt === c.attempt,
          ),
          `sent entry for ${c.id}`,
        );
      const c = last.commands.at(-1);
      if (c !== undefined) {
        assert.equal(state.currentStep, c.step);
        assert.equal(state.attempt, c.attempt);
        assert.equal(c.id, `saga-1:${c.step}:${c.action}:${c.attempt}`);
      }
    });

  it('never changes the state it was given', () => {
    const { state } = run(THREE, [ok(0, 'execute')]);
    const copy = structuredClone(state);
    decide(THREE, state, reply(THREE, 1, 'execute', 1, 'failed'), NOW);
    assert.deepEqual(state, copy);
  });

  it('merges a step result into the saga data', () => {
    const { state } = run(THREE, [
      (def) => reply(def, 0, 'execute', 1, 'succeeded', { result: { stockLeft: 7 } }),
    ]);
    assert.equal(state.data.stockLeft, 7);
  });

  it('parks instead of writing a command whose id breaks the message id limit', () => {
    // Stored by an older version that accepted any id up to the column's 64 characters.
    // Its execute ids (`<id>:1:execute:1`) fit, its first compensation's does not.
    const { state } = run(THREE, [ok(0, 'execute')], 'x'.repeat(52));
    const d = decide(THREE, state, reply(THREE, 1, 'execute', 1, 'failed'), NOW);
    assert.equal(d.kind, 'transition');
    if (d.kind !== 'transition') return;
    assert.deepEqual(d.commands, []);
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
    assert.match(d.state.failureReason ?? '', /command id x+:0:compensate:1 is 67 characters/);
    assert.equal(d.state.currentStep, 1, 'the state before the refused send');
  });

  it('parks a saga it cannot handle with the reason', () => {
    const { state } = run(THREE, []);
    const d = parkSaga(state, 'saga type three is not declared', NOW);
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
    assert.equal(d.deadlineMs, null);
    assert.equal(d.state.history.at(-1)?.event, 'needs-attention');
  });
});

describe('parkedEvent: the sagas.saga-parked@1 a transition owes', () => {
  const SUBJECT = defineSaga({
    ...PIVOT,
    type: 'pivot',
    subject: (d: Record<string, unknown>) => String(d.orderId),
  });
  const parkPivot = (def: Def) => {
    const { state: before } = run(def, [ok(0, 'execute'), ok(1, 'execute'), deadline()]);
    const d = decide(def, before, { kind: 'deadline' }, NOW);
    assert.equal(d.kind, 'transition');
    return { before, after: d.kind === 'transition' ? d.state : before };
  };

  it('is owed by the transition that parks, naming the step, the reason and the subject', () => {
    const { before, after } = parkPivot(SUBJECT);
    after.data = { orderId: 'ord-9' };
    assert.deepEqual(parkedEvent(SUBJECT, before, after), {
      sagaId: 'saga-1',
      sagaType: 'pivot',
      subject: 'ord-9',
      stepName: 'confirm',
      reason: after.failureReason,
    });
  });

  it('is not owed again by a reply that leaves a parked saga parked, nor by any other transition', () => {
    const { after } = parkPivot(PIVOT);
    assert.equal(parkedEvent(PIVOT, after, after), undefined);
    const { state: running } = run(PIVOT, []);
    const { state: next } = run(PIVOT, [ok(0, 'execute')]);
    assert.equal(parkedEvent(PIVOT, running, next), undefined);
    assert.equal(parkedEvent(PIVOT, undefined, running), undefined);
  });

  it('has a null subject without a subject function, or when it throws; a long reason is cut', () => {
    const { before, after } = parkPivot(PIVOT);
    assert.equal(parkedEvent(PIVOT, before, after)?.subject, null);
    const throwing = defineSaga({
      ...PIVOT,
      subject: () => {
        throw new Error('old data');
      },
    });
    after.failureReason = 'x'.repeat(5000);
    const event = parkedEvent(throwing, before, after);
    assert.equal(event?.subject, null);
    assert.equal(event?.reason.length, 2000);
  });

  it('names the step for a saga type this orchestrator does not know', () => {
    const { state } = run(THREE, []);
    const parked = parkSaga(state, 'unknown type', NOW).state;
    assert.equal(parkedEvent(undefined, state, parked)?.stepName, 'step 0');
  });
});

describe('sagaIdProblem: a saga id must leave room for its longest command id', () => {
  it('accepts a UUID', () => {
    assert.equal(sagaIdProblem(THREE, crypto.randomUUID()), undefined);
  });
  it('accepts the longest id whose `<id>:2:compensate:2` fits in 64 characters', () => {
    // ':2:compensate:2' is 15 characters.
    assert.equal(sagaIdProblem(THREE, 'x'.repeat(49)), undefined);
    assert.match(sagaIdProblem(THREE, 'x'.repeat(50)) ?? '', /allows at most 49/);
  });
  it('counts a pivot by its execute command only', () => {
    // Longest: reserve/charge compensate (':1:compensate:2', 15) vs confirm execute (':2:execute:2', 12).
    assert.equal(sagaIdProblem(PIVOT, 'x'.repeat(49)), undefined);
    assert.equal(sagaIdProblem(AFTER_PIVOT, 'x'.repeat(49)), undefined);
  });
  it('rejects an empty id', () => {
    assert.match(sagaIdProblem(THREE, '') ?? '', /empty/);
  });
});

describe('defineSaga', () => {
  it('refuses a compensable step after a step without compensation (the pivot)', () => {
    assert.throws(
      () => saga('bad', [step('reserve'), step('confirm', false), step('ship')]),
      /step ship has a compensation but comes after step confirm/,
    );
  });
  it('refuses a retry policy without attempts', () => {
    assert.throws(
      () => saga('bad', [{ ...step('reserve'), retry: { maxAttempts: 0 } }]),
      /bad retry policy/,
    );
  });
});

describe('optional steps (`when`)', () => {
  /** reserve → coupon (only with `data.coupon`) → credit (only with `data.credit > 0`) → confirm. */
  const OPTIONAL = saga('optional', [
    step('reserve'),
    { ...step('coupon'), when: (d) => typeof d.coupon === 'string' },
    { ...step('credit'), when: (d) => typeof d.credit === 'number' && d.credit > 0 },
    step('confirm', false),
  ]);
  const start = (data: Record<string, unknown>) =>
    startTransition(OPTIONAL, { id: 'saga-1', data, requestId: null, correlationId: 'c' }, NOW);
  const feed = (state: SagaState, ...inputs: SagaInput[]): SagaState => {
    let s = state;
    for (const input of inputs) {
      const d = decide(OPTIONAL, s, input, NOW);
      assert.equal(d.kind, 'transition');
      if (d.kind === 'transition') s = d.state;
    }
    return s;
  };
  const answer = (
    s: number,
    action: Action,
    outcome: 'succeeded' | 'failed',
    result?: Record<string, unknown>,
  ): SagaInput => reply(OPTIONAL, s, action, 1, outcome, result === undefined ? {} : { result });
  const sent = (s: SagaState) =>
    s.history.filter((h) => h.event === 'sent').map((h) => `${h.action}:${h.stepName}`);
  const skipped = (s: SagaState) =>
    s.history.filter((h) => h.event === 'skipped').map((h) => h.stepName);

  it('skips a step whose condition is false, recording it, and sends the next', () => {
    const s = feed(start({}).state, answer(0, 'execute', 'succeeded'));
    assert.deepEqual(sent(s), ['execute:reserve', 'execute:confirm']);
    assert.deepEqual(skipped(s), ['coupon', 'credit']);
    assert.equal(s.currentStep, 3);
  });
  it('runs a step whose condition holds', () => {
    const s = feed(start({ coupon: 'C' }).state, answer(0, 'execute', 'succeeded'));
    assert.deepEqual(sent(s), ['execute:reserve', 'execute:coupon']);
  });
  it('asks the condition on the data as it stands, a previous reply’s result merged', () => {
    const s = feed(
      start({ coupon: 'C' }).state,
      answer(0, 'execute', 'succeeded'),
      answer(1, 'execute', 'succeeded', { credit: 300 }),
    );
    assert.deepEqual(sent(s).at(-1), 'execute:credit');
  });
  it('compensates only the steps that ran, skipping the skipped ones', () => {
    const s = feed(
      start({ credit: 500 }).state,
      answer(0, 'execute', 'succeeded'),
      answer(2, 'execute', 'failed'),
    );
    assert.equal(s.status, 'COMPENSATING');
    assert.deepEqual(sent(s).at(-1), 'compensate:reserve');
    const failed = feed(s, answer(0, 'compensate', 'succeeded'));
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.failureReason ?? '', /credit: refused/);
    assert.ok(!sent(failed).includes('compensate:coupon'));
  });
  it('compensates a step that ran between skipped ones', () => {
    const s = feed(
      start({ coupon: 'C' }).state,
      answer(0, 'execute', 'succeeded'),
      answer(1, 'execute', 'succeeded'),
      answer(3, 'execute', 'failed'),
    );
    // confirm is the pivot: its refusal compensates from the step before it, credit, skipped.
    assert.equal(s.status, 'COMPENSATING');
    assert.deepEqual(sent(s).at(-1), 'compensate:coupon');
  });
  it('completes a saga whose remaining steps are all skipped', () => {
    const tail = saga('tail', [step('reserve'), { ...step('coupon'), when: () => false }]);
    const s0 = startTransition(
      tail,
      { id: 's', data: {}, requestId: null, correlationId: 'c' },
      NOW,
    );
    const d = decide(tail, s0.state, reply(tail, 0, 'execute', 1, 'succeeded'), NOW);
    assert.equal(d.kind === 'transition' && d.state.status, 'COMPLETED');
  });
  it('refuses a condition on the pivot', () => {
    assert.throws(
      () => saga('bad', [step('reserve'), { ...step('confirm', false), when: () => true }]),
      /pivot and cannot be skipped/,
    );
  });
  it('accepts a condition on a step after the pivot, and skips it', () => {
    const tail = saga('late-optional', [
      step('commit', false),
      { ...step('notify', false), when: () => false },
    ]);
    const s0 = startTransition(
      tail,
      { id: 's', data: {}, requestId: null, correlationId: 'c' },
      NOW,
    );
    const d = decide(tail, s0.state, reply(tail, 0, 'execute', 1, 'succeeded'), NOW);
    assert.equal(d.kind === 'transition' && d.state.status, 'COMPLETED');
  });
});
