import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, parse, print, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { signalOf } from './delivery-event-source.js';
import { logQuery } from './log-query.js';
import { originAllowed } from './ws-server.js';

describe('logQuery', () => {
  const build = (source: string): string => {
    const document = parse(source);
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    )!;
    const root = operation.selectionSet.selections[0] as FieldNode;
    return print(logQuery(document, operation, root, 'shipmentUpdateLog'));
  };

  it('moves the selection, alias and fragments under the log field and drops the client’s $after', () => {
    const out = build(`subscription Watch($orderId: ID!, $after: String) {
      u: shipmentUpdates(orderId: $orderId, after: $after) { cursor ...F }
    }
    fragment F on ShipmentUpdate { status order { id } }`);
    assert.equal(
      out,
      print(
        parse(`query SubscriptionLog($orderId: ID!, $_gatewayAfter: String, $_gatewayFirst: Int!) {
          u: shipmentUpdateLog(orderId: $orderId, after: $_gatewayAfter, first: $_gatewayFirst) { cursor ...F _gatewayCursor: cursor }
        }
        fragment F on ShipmentUpdate { status order { id } }`),
      ),
    );
  });

  it('keeps a variable used only inside a fragment, names the response key after the field', () => {
    const out = build(`subscription ($orderId: ID!, $n: Int) {
      shipmentUpdates(orderId: $orderId) { ...F }
    }
    fragment F on ShipmentUpdate { order { lines(first: $n) { quantity } } }`);
    assert.match(out, /\$n: Int/);
    assert.match(out, /shipmentUpdates: shipmentUpdateLog\(/);
  });
});

describe('originAllowed (WebSocket upgrade)', () => {
  const cases: [string | undefined, string, readonly string[], boolean][] = [
    [undefined, 'gw:4000', [], true],
    ['http://gw:4000', 'gw:4000', [], true],
    ['https://shop.example', 'gw:4000', ['https://shop.example'], true],
    ['https://evil.example', 'gw:4000', ['https://shop.example'], false],
    ['https://evil.example', 'gw:4000', ['*'], true],
    ['http://gw:4001', 'gw:4000', [], false],
    ['null', 'gw:4000', [], false],
  ];
  for (const [origin, host, allowed, expected] of cases)
    it(`${origin ?? '(none)'} → ${expected}`, () => {
      assert.equal(originAllowed(origin, host, allowed), expected);
    });
});

describe('signalOf (delivery.events)', () => {
  const envelope = (extra: Record<string, unknown>): Buffer =>
    Buffer.from(JSON.stringify({ type: 'delivery.shipment-changed', version: 1, ...extra }));

  it('reads the order and both partners of a shipment change', () => {
    assert.deepEqual(
      signalOf(
        envelope({ data: { orderId: 'o1', partnerUserId: 'u2', previousPartnerUserId: 'u1' } }),
      ),
      { orderId: 'o1', partnerUserIds: ['u2', 'u1'] },
    );
  });

  it('skips other types, versions and garbage', () => {
    assert.equal(signalOf(Buffer.from('{')), undefined);
    assert.equal(signalOf(null), undefined);
    assert.equal(signalOf(envelope({ version: 2, data: { orderId: 'o1' } })), undefined);
  });
});
