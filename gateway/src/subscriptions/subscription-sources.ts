import type { VerifiedToken } from '../gateway-feature.js';
import type { ShipmentChangeSignal } from './delivery-event-source.js';

/**
 * Where each subscription field's events come from: the owning subgraph's log (a query field that
 * pages the changes after a cursor, authorized by that subgraph) and the wake-up key that a
 * signal from its event source matches. The gateway checks at start that each field and its log
 * are in the supergraph.
 */
export interface SubscriptionSource {
  /** The query field that returns the updates after `after`, oldest first, at most `first`. */
  readonly logField: string;
  /**
   * A query field answering the log's current end, read when the client gives no `after` so that
   * it starts live; without one, a subscription without `after` replays the whole log first.
   */
  readonly headField?: string;
  /** The key this subscriber waits on, from the field's arguments and the caller. */
  readonly wakeKey: (args: Readonly<Record<string, unknown>>, caller: VerifiedToken) => string;
}

export const SUBSCRIPTION_SOURCES: ReadonlyMap<string, SubscriptionSource> = new Map([
  [
    'shipmentUpdates',
    { logField: 'shipmentUpdateLog', wakeKey: (args) => `order:${String(args.orderId)}` },
  ],
  [
    'myAssignments',
    {
      logField: 'myAssignmentLog',
      headField: 'myAssignmentCursor',
      wakeKey: (_, caller) => `user:${caller.sub}`,
    },
  ],
]);

/** The wake-up keys a shipment change matches. */
export const wakeKeysOf = (signal: ShipmentChangeSignal): string[] => [
  `order:${signal.orderId}`,
  ...signal.partnerUserIds.map((id) => `user:${id}`),
];
