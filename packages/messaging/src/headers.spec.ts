import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contextFromMessage, contextHeaders, readHeaders } from './headers.js';

describe('correlation headers', () => {
  it('writes the context as x- headers and reads them back', () => {
    const headers = contextHeaders({ requestId: 'req-123456', sagaId: 'saga-1' });
    assert.deepEqual(headers, {
      'x-request-id': 'req-123456',
      'x-correlation-id': 'req-123456',
      'x-saga-id': 'saga-1',
    });
    const read = readHeaders({ ...headers, 'x-extra': Buffer.from('v') });
    const ctx = contextFromMessage(read, { id: 'm-1', correlationId: 'req-123456' });
    assert.deepEqual(ctx, {
      requestId: 'req-123456',
      correlationId: 'req-123456',
      causationId: 'm-1',
      sagaId: 'saga-1',
    });
  });

  it('lets a producer override or drop a header', () => {
    assert.deepEqual(
      contextHeaders({ requestId: 'r-12345678' }, { sagaId: 's', requestId: null }),
      {
        'x-correlation-id': 'r-12345678',
        'x-saga-id': 's',
      },
    );
  });
});
