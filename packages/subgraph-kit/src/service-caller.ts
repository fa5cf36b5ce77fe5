import type { IncomingHttpHeaders } from 'node:http';
import {
  InvalidServiceTokenError,
  SERVICE_TOKEN_HEADER,
  verifyServiceToken,
  type ServiceKeys,
} from '@shop/service-client';
import { InvalidGatewayProofError } from './gateway-proof.js';
import type { Identity } from './identity.js';

export type { ServiceKeys } from '@shop/service-client';

/**
 * The identity of a service calling this one as itself (`x-service-token`), or `undefined` when
 * the request carries no service token (then the gateway proof decides). A service identity has
 * no user id and no roles: it passes `@authenticated`-free fields only, and ownership checks
 * (`isSelfOrAdmin`) refuse it. A bad token is refused like a bad gateway proof (401), never
 * downgraded to an anonymous caller.
 * @throws InvalidGatewayProofError when a token is present but invalid, or no key is configured.
 */
export async function serviceIdentity(
  headers: IncomingHttpHeaders,
  audience: string,
  keys: ServiceKeys | undefined,
): Promise<Identity | undefined> {
  const header = headers[SERVICE_TOKEN_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (token === undefined) return undefined;
  if (keys === undefined || keys.size === 0)
    throw new InvalidGatewayProofError('service calls are not accepted here');
  try {
    return { roles: [], service: await verifyServiceToken(token, audience, keys) };
  } catch (err) {
    if (err instanceof InvalidServiceTokenError)
      throw new InvalidGatewayProofError(`service token: ${err.message}`);
    throw err;
  }
}
