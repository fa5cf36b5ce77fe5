import type { GatewayFeature, HttpStage } from '../gateway-feature.js';

export interface CorsOptions {
  /** Origins allowed to call the gateway from a browser; `*` allows any. @default [] (same origin only) */
  readonly origins?: readonly string[];
  /** Seconds a browser may cache a preflight answer. @default 600 */
  readonly maxAgeSeconds?: number;
}

export interface Cors extends GatewayFeature {
  /**
   * Sets the CORS headers of a response to this request (not the preflight ones), for answers
   * written before the CORS feature runs, such as the flood guard's 429. Returns whether the
   * request's origin is allowed.
   */
  readonly setResponseHeaders: (stage: Pick<HttpStage, 'req' | 'res'>) => boolean;
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
export function useCors(options: CorsOptions = {}): Cors {
  const origins = new Set(options.origins ?? []);
  const anyOrigin = origins.has('*');
  const maxAge = String(options.maxAgeSeconds ?? 600);

  const setResponseHeaders: Cors['setResponseHeaders'] = ({ req, res }) => {
    // The allowed origin is echoed, so every answer depends on Origin, those without CORS headers
    // too: a cache must not serve one origin's answer to another.
    if (origins.size > 0) res.setHeader('vary', 'origin');
    const origin = req.headers.origin;
    if (origin === undefined || (!anyOrigin && !origins.has(origin))) return false;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
    return true;
  };

  return {
    name: 'cors',
    setResponseHeaders,
    onHttpRequest(stage) {
      const allowed = setResponseHeaders(stage);
      if (stage.req.method !== 'OPTIONS') return true;
      stage.res
        .writeHead(
          204,
          allowed
            ? {
                'access-control-allow-methods': 'GET, POST, OPTIONS',
                'access-control-allow-headers': ALLOWED_HEADERS,
                'access-control-max-age': maxAge,
              }
            : {},
        )
        .end();
      return false;
    },
  };
}
