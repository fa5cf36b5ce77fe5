import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';
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
