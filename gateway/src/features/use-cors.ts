import type { GatewayFeature } from '../gateway-feature.js';

export interface CorsOptions {
  /** Origins allowed to call the gateway from a browser; `*` allows any. @default [] (same origin only) */
  readonly origins?: readonly string[];
  /** Seconds a browser may cache a preflight answer. @default 600 */
  readonly maxAgeSeconds?: number;
}

const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
].join(', ');

/**
 * CORS for browser clients on other origins (storefronts, partner apps). Bearer tokens, not
 * cookies, carry identity, so credentials are never allowed; CSRF prevention stays on regardless.
 * Apollo Sandbox on the gateway's own page needs none of this.
 */
export function useCors(options: CorsOptions = {}): GatewayFeature {
  const origins = new Set(options.origins ?? []);
  const anyOrigin = origins.has('*');
  const maxAge = String(options.maxAgeSeconds ?? 600);
  return {
    name: 'cors',
    onHttpRequest({ req, res }) {
      const origin = req.headers.origin;
      if (origin === undefined || (!anyOrigin && !origins.has(origin))) {
        if (req.method === 'OPTIONS') {
          res.writeHead(204).end();
          return false;
        }
        return true;
      }
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
      if (req.method !== 'OPTIONS') return true;
      res
        .writeHead(204, {
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': maxAge,
        })
        .end();
      return false;
    },
  };
}
