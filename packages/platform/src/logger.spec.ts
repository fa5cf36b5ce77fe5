import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, routeProcessWarnings } from './logger.js';
import { runWithContext } from './request-context.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('adds the service and the request context to every line', () => {
    const { stream, lines } = capture();
    const log = createLogger('orders', 'info', stream);
    runWithContext({ requestId: 'req-12345678', sagaId: 'saga-1' }, () => log.info('inside'));
    log.info('outside');
    const [inside, outside] = lines();
    assert.equal(inside?.service, 'orders');
    assert.equal(inside?.requestId, 'req-12345678');
    assert.equal(inside?.sagaId, 'saga-1');
    assert.equal(inside?.level, 'info');
    assert.equal(outside?.requestId, undefined);
  });

  it('redacts passwords, tokens and authorization headers', () => {
    const { stream, lines } = capture();
    const log = createLogger('users', 'info', stream);
    log.info(
      {
        password: 'hunter22',
        user: { refreshToken: 'rt' },
        req: { headers: { authorization: 'Bearer x' } },
      },
      'login',
    );
    const text = JSON.stringify(lines()[0]);
    assert.doesNotMatch(text, /hunter22|"rt"|Bearer x/);
    assert.match(text, /\[redacted\]/);
  });
});

describe('routeProcessWarnings', () => {
  it("logs process warnings as JSON, kafkajs's negative-timeout warning at debug, not warn", async () => {
    const saved = process.listeners('warning');
    try {
      const { stream, lines } = capture();
      routeProcessWarnings(createLogger('sagas', 'debug', stream));
      // What kafkajs does; Node warns about it once per process, so this test is the only one
      // in this file to schedule a negative timeout.
      setTimeout(() => undefined, -1).unref();
      process.emitWarning('old API', 'DeprecationWarning');
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      await new Promise((r) => setImmediate(r));
      const logged = lines().map((l) => ({ level: l.level, ...(l.warning as object) }));
      assert.equal(logged.length, 2, JSON.stringify(logged));
      assert.ok(
        logged.some(
          (l) => l.level === 'debug' && 'name' in l && l.name === 'TimeoutNegativeWarning',
        ),
        JSON.stringify(logged),
      );
      assert.ok(
        logged.some(
          (l) =>
            l.level === 'warn' &&
            'name' in l &&
            l.name === 'DeprecationWarning' &&
            'message' in l &&
            l.message === 'old API',
        ),
        JSON.stringify(logged),
      );
    } finally {
      process.removeAllListeners('warning');
      for (const l of saved) process.on('warning', l);
    }
  });
});
