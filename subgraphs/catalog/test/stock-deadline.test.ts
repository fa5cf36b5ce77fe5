// Every MariaDB statement of the stock ORM has a deadline: a server that stops answering (SIGSTOP,
// a frozen VM, a silent network; here a proxy that stops forwarding) fails calls instead of
// hanging them, and the abandoned transaction is rolled back, not left half applied.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { MikroORM } from '@mikro-orm/mysql';
import { Outbox, sqlRows, sqlRun } from '@shop/messaging';
import { TestStack } from '@shop/testing';
import { ReplenishmentRepository } from '../src/persistence/replenishment.repository.js';
import { createStockOrm } from '../src/persistence/stock-orm.js';
import { StockRepository } from '../src/persistence/stock.repository.js';
import { ReservationService } from '../src/service/reservation.service.js';
import { StockEventWriter } from '../src/service/stock-events.js';

/** A TCP proxy to `target` that can stop passing bytes either way, like a stopped server. */
async function freezableProxy(target: URL) {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d) => void (frozen || upstream.write(d)));
    upstream.on('data', (d) => void (frozen || client.write(d)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    freeze: (on: boolean) => void (frozen = on),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('stock ORM against a MariaDB that stops answering', () => {
  const stack = new TestStack('stockdl');
  let proxy: Awaited<ReturnType<typeof freezableProxy>>;
  let orm: MikroORM;
  let direct: MikroORM;
  let reservations: ReservationService;

  before(async () => {
    const db = await stack.createDatabase('catalog');
    const target = new URL(db.url);
    proxy = await freezableProxy(target);
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    orm = await createStockOrm(viaProxy.toString(), { answerTimeoutMs: 1000 });
    direct = await createStockOrm(db.url);
    reservations = new ReservationService(
      orm,
      new StockRepository(),
      new StockEventWriter(
        new Outbox('catalog'),
        stack.ns.topic('catalog.events'),
        new ReplenishmentRepository(),
      ),
    );
    await sqlRun(
      direct.em.fork(),
      "INSERT INTO stock (product_id, on_hand, reserved, low_stock_threshold) VALUES ('dl-1', 10, 0, 0)",
    );
  });
  after(async () => {
    await orm?.close(true);
    await direct?.close(true);
    await proxy?.close();
    await stack.cleanup();
  });

  it('a reserve fails within 5 s while MariaDB is silent, holds nothing, and the next one works', async () => {
    proxy.freeze(true);
    const started = Date.now();
    const stalled = reservations.reserve('dl-order-1', [{ productId: 'dl-1', quantity: 3 }]);
    const settled = await Promise.race([
      stalled.then(
        () => 'resolved',
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      ),
      new Promise((resolve) => setTimeout(() => resolve('still pending after 5 s'), 5_000)),
    ]);
    assert.match(String(settled), /did not answer within 1000 ms/);
    assert.ok(Date.now() - started < 5_000);
    proxy.freeze(false);
    // nothing of the abandoned reserve survived; the pool opens a fresh connection for the next
    const held = await sqlRows<{ reserved: number }>(
      direct.em.fork(),
      "SELECT reserved FROM stock WHERE product_id = 'dl-1'",
    );
    assert.equal(Number(held[0]?.reserved), 0);
    assert.deepEqual(
      await reservations.reserve('dl-order-2', [{ productId: 'dl-1', quantity: 2 }]),
      {
        outcome: 'reserved',
        lines: [{ productId: 'dl-1', quantity: 2 }],
        units: 2,
        repeated: false,
      },
    );
  });
});
