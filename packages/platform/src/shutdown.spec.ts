import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';
import { installGracefulShutdown } from './shutdown.js';

describe('installGracefulShutdown', () => {
  it('closes hooks once, in reverse order, and exits 0', async () => {
    const closed: string[] = [];
    const codes: number[] = [];
    const shutdown = installGracefulShutdown({
      logger: createLogger('t', 'silent'),
      hooks: [
        { name: 'db', close: () => void closed.push('db') },
        { name: 'server', close: () => void closed.push('server') },
      ],
      signals: [],
      exit: (c) => codes.push(c),
    });
    await Promise.all([shutdown('test'), shutdown('again')]);
    assert.deepEqual(closed, ['server', 'db']);
    assert.deepEqual(codes, [0]);
  });

  it('keeps closing after a failing hook and exits 1', async () => {
    const closed: string[] = [];
    const codes: number[] = [];
    const shutdown = installGracefulShutdown({
      logger: createLogger('t', 'silent'),
      hooks: [
        { name: 'db', close: () => void closed.push('db') },
        { name: 'broken', close: () => Promise.reject(new Error('boom')) },
      ],
      signals: [],
      exit: (c) => codes.push(c),
    });
    await shutdown('test');
    assert.deepEqual(closed, ['db']);
    assert.deepEqual(codes, [1]);
  });
});
