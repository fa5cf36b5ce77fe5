import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import type { HttpStage } from '../gateway-feature.js';
import { useCors, type CorsOptions } from './use-cors.js';

interface Answer {
  /** What onHttpRequest returned: true when the request goes on to GraphQL. */
  readonly passed: boolean | undefined;
  readonly status: number | undefined;
  readonly headers: Record<string, string>;
}

/** Runs the CORS feature on one request and records the response headers it set. */
const run = (options: CorsOptions, method: string, origin?: string): Answer => {
  const headers: Record<string, string> = {};
  let status: number | undefined;
  const res = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
      return res;
    },
    writeHead: (code: number, extra: Record<string, string> = {}) => {
      status = code;
      for (const [name, value] of Object.entries(extra)) headers[name.toLowerCase()] = value;
      return res;
    },
    end: () => res,
  } as unknown as ServerResponse;
  const req = { method, headers: origin === undefined ? {} : { origin } } as IncomingMessage;
  const stage: HttpStage = { req, res, clientIp: '127.0.0.1', requestId: 'req-12345678' };
  const passed = useCors(options).onHttpRequest?.(stage);
  return { passed, status, headers };
};

describe('useCors', () => {
  const shop = { origins: ['https://shop.example'] };

  it('with an allow-list, every answer varies on Origin; only an allowed origin gets CORS headers', () => {
    const cases = {
      'allowed POST': run(shop, 'POST', 'https://shop.example'),
      'other origin POST': run(shop, 'POST', 'https://evil.example'),
      'POST without Origin': run(shop, 'POST'),
      'allowed preflight': run(shop, 'OPTIONS', 'https://shop.example'),
      'other origin preflight': run(shop, 'OPTIONS', 'https://evil.example'),
    };
    for (const [label, answer] of Object.entries(cases))
      assert.equal(answer.headers.vary, 'origin', label);
    const allowed = cases['allowed POST'];
    assert.equal(allowed.passed, true);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://shop.example');
    assert.match(allowed.headers['access-control-expose-headers'] ?? '', /retry-after/);
    for (const label of [
      'other origin POST',
      'POST without Origin',
      'other origin preflight',
    ] as const)
      assert.equal(cases[label].headers['access-control-allow-origin'], undefined, label);
    assert.equal(cases['allowed preflight'].status, 204);
    assert.match(
      cases['allowed preflight'].headers['access-control-allow-headers'] ?? '',
      /authorization/,
    );
    assert.equal(cases['other origin preflight'].status, 204);
    assert.equal(
      cases['other origin preflight'].headers['access-control-allow-headers'],
      undefined,
    );
  });

  it('`*` echoes any origin, and still varies on it', () => {
    const answer = run({ origins: ['*'] }, 'POST', 'https://anyone.example');
    assert.equal(answer.headers['access-control-allow-origin'], 'https://anyone.example');
    assert.equal(answer.headers.vary, 'origin');
  });

  it('without an allow-list (same origin only) no CORS header is set at all', () => {
    for (const answer of [run({}, 'POST', 'https://shop.example'), run({}, 'POST')])
      assert.deepEqual(answer.headers, {});
  });

  it('setResponseHeaders gives an answer written before CORS runs the same headers', () => {
    const cors = useCors(shop);
    const headers: Record<string, string> = {};
    const res = {
      setHeader: (name: string, value: string) => (headers[name] = value),
    } as unknown as ServerResponse;
    const req = { method: 'POST', headers: { origin: 'https://shop.example' } } as IncomingMessage;
    assert.equal(cors.setResponseHeaders({ req, res }), true);
    assert.deepEqual(headers, run(shop, 'POST', 'https://shop.example').headers);
  });
});
