import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '@shop/platform';
import { GraphQLError } from 'graphql';
import { createErrorFormatter } from './errors.js';

describe('createErrorFormatter', () => {
  const wrap = (original: Error) =>
    new GraphQLError(original.message, { originalError: original, path: ['x'] });

  it('maps a DomainError to its code with its details', () => {
    const format = createErrorFormatter({ production: true });
    const out = format(
      { message: 'taken', path: ['x'] },
      wrap(new ConflictError('taken', { field: 'email' })),
    );
    assert.deepEqual(out.extensions, { field: 'email', code: 'CONFLICT' });
  });

  it('masks unexpected errors in production and keeps no stack trace', () => {
    const seen: unknown[] = [];
    const format = createErrorFormatter({ production: true, onUnexpected: (e) => seen.push(e) });
    const out = format(
      {
        message: 'db password is hunter2',
        extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] },
      },
      wrap(new Error('db password is hunter2')),
    );
    assert.equal(out.message, 'Internal server error');
    assert.deepEqual(out.extensions, { code: 'INTERNAL' });
    assert.equal(seen.length, 1);
  });

  it('keeps the message outside production but still no stack', () => {
    const format = createErrorFormatter({ production: false });
    const out = format(
      { message: 'boom', extensions: { stacktrace: ['at x'] } },
      wrap(new Error('boom')),
    );
    assert.equal(out.message, 'boom');
    assert.deepEqual(out.extensions, { code: 'INTERNAL' });
  });

  it('translates validation failures to BAD_USER_INPUT', () => {
    const format = createErrorFormatter({ production: true });
    const out = format(
      { message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      new GraphQLError('x'),
    );
    assert.equal(out.extensions?.code, 'BAD_USER_INPUT');
  });
});
