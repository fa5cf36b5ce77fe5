import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeTransition, SHIPMENT_STATUSES, type ShipmentAction } from './shipment.js';

describe('judgeTransition', () => {
  // [from, action, to or undefined when refused]
  const legal: [string, ShipmentAction, string][] = [
    ['ASSIGNED', 'accept', 'ACCEPTED'],
    ['ASSIGNED', 'decline', 'PENDING'],
    ['ACCEPTED', 'pick-up', 'PICKED_UP'],
    ['PICKED_UP', 'in-transit', 'IN_TRANSIT'],
    ['IN_TRANSIT', 'in-transit', 'IN_TRANSIT'],
    ['IN_TRANSIT', 'deliver', 'DELIVERED'],
    ['ACCEPTED', 'fail', 'FAILED'],
    ['PICKED_UP', 'fail', 'FAILED'],
    ['IN_TRANSIT', 'fail', 'FAILED'],
    ['PENDING', 'cancel', 'CANCELLED'],
    ['ASSIGNED', 'cancel', 'CANCELLED'],
    ['ACCEPTED', 'cancel', 'CANCELLED'],
  ];
  it('allows exactly the lifecycle’s transitions', () => {
    const actions: ShipmentAction[] = [
      'accept',
      'decline',
      'pick-up',
      'in-transit',
      'deliver',
      'fail',
      'cancel',
    ];
    for (const from of SHIPMENT_STATUSES)
      for (const action of actions) {
        const expected = legal.find(([f, a]) => f === from && a === action)?.[2];
        const verdict = judgeTransition(from, action);
        assert.deepEqual(
          verdict.ok ? verdict.to : undefined,
          expected,
          `${from} --${action}--> ${expected ?? 'refused'}`,
        );
      }
  });
  it('says why a move is refused', () => {
    assert.deepEqual(judgeTransition('DELIVERED', 'pick-up'), {
      ok: false,
      reason: 'a shipment that is DELIVERED cannot be picked up',
    });
    assert.deepEqual(judgeTransition('ASSIGNED', 'deliver'), {
      ok: false,
      reason: 'a shipment that is ASSIGNED cannot be delivered',
    });
  });
  it('never leaves a terminal state', () => {
    for (const from of ['DELIVERED', 'FAILED', 'CANCELLED'] as const)
      for (const action of [
        'accept',
        'decline',
        'pick-up',
        'in-transit',
        'deliver',
        'fail',
        'cancel',
      ] as const)
        assert.equal(judgeTransition(from, action).ok, false);
  });
});
