import {
  errors,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import { z } from 'zod';
import { DEV_SERVICE_PUBLIC_KEYS } from './dev-keys.js';

/** The header a service sends its own signed identity in (never a forwarded client token). */
export const SERVICE_TOKEN_HEADER = 'x-service-token';
/** How long a service token lives; the caller mints a fresh one well before it runs out. */
export const SERVICE_TOKEN_TTL_SECONDS = 60;
const MAX_TOKEN_AGE = `${SERVICE_TOKEN_TTL_SECONDS + 30}s`;

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const publicJwk = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() });
const privateJwk = publicJwk.extend({ d: z.string() });

/** The service token is missing, malformed, expired, badly signed or meant for another service. */
export class InvalidServiceTokenError extends Error {
  override readonly name = 'InvalidServiceTokenError';
}

/**
 * Signs a service's own identity for calls to another service: an EdDSA (Ed25519) JWT with
 * `sub: service:<name>`, `aud: <callee>`, `kid: <name>` and a short life. One token per callee is
 * cached and reissued when less than half its life is left, so a busy caller signs about once a
 * half-minute per callee, not per call.
 */
export class ServiceSigner {
  private readonly cache = new Map<string, { token: string; renewAt: number }>();

  private constructor(
    readonly service: string,
    private readonly key: CryptoKey,
  ) {}

  /**
   * @param service the caller's name (`cart`), the `kid` the callee looks its public key up by.
   * @param jwk the caller's Ed25519 private key as a JWK (`{ kty: 'OKP', crv: 'Ed25519', d, x }`).
   */
  static async fromJwk(service: string, jwk: unknown): Promise<ServiceSigner> {
    if (!SERVICE_NAME.test(service)) throw new Error(`invalid service name: ${service}`);
    const parsed = privateJwk.parse(jwk);
    const key = await importJWK({ ...parsed, alg: 'EdDSA' } satisfies JWK, 'EdDSA');
    return new ServiceSigner(service, key);
  }

  /** A token for calls to `audience`, valid for SERVICE_TOKEN_TTL_SECONDS. */
  async tokenFor(audience: string, now = Date.now()): Promise<string> {
    const cached = this.cache.get(audience);
    if (cached !== undefined && cached.renewAt > now) return cached.token;
    const iat = Math.floor(now / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: this.service })
      .setSubject(`service:${this.service}`)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + SERVICE_TOKEN_TTL_SECONDS)
      .sign(this.key);
    this.cache.set(audience, { token, renewAt: now + (SERVICE_TOKEN_TTL_SECONDS * 1000) / 2 });
    return token;
  }
}

/** The public keys (Ed25519 JWKs) of the services allowed to call this one, by service name. */
export type ServiceKeys = ReadonlyMap<string, JWK>;

/**
 * Zod setting for `SERVICE_PUBLIC_KEYS`: a JSON object from service name to its Ed25519 public
 * JWK, e.g. `{"cart":{"kty":"OKP","crv":"Ed25519","x":"..."}}`; `{}` means no service may call.
 * @default DEV_SERVICE_PUBLIC_KEYS (refused in production by subgraphConfigSchema)
 */
export const serviceKeysSetting = z
  .string()
  .default(DEV_SERVICE_PUBLIC_KEYS)
  .transform((json, ctx): ServiceKeys => {
    if (json.trim().length === 0) return new Map();
    try {
      const raw = z.record(z.string().regex(SERVICE_NAME), publicJwk).parse(JSON.parse(json));
      return new Map(Object.entries(raw));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON {"<service>": <Ed25519 public JWK>}' });
      return z.NEVER;
    }
  });

/** Parses `SERVICE_PUBLIC_KEYS` outside a config schema. */
export const parseServiceKeys = (json: string): ServiceKeys => serviceKeysSetting.parse(json);

const imported = new Map<string, Promise<CryptoKey>>();
const publicKey = (jwk: JWK): Promise<CryptoKey> => {
  const id = `${jwk.crv}:${jwk.x}`;
  let key = imported.get(id);
  if (key === undefined) {
    key = importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA') as Promise<CryptoKey>;
    imported.set(id, key);
  }
  return key;
};

/**
 * Verifies a service token addressed to `audience` (this service's name) and returns the calling
 * service's name. The key is chosen by `kid` among `keys` only, and the subject must name that same
 * service, so a service can never speak as another one; EdDSA only; `exp` and `iat` required; one
 * issued more than 90 s ago is refused whatever its `exp` says.
 * @throws InvalidServiceTokenError for any problem with the token.
 */
export async function verifyServiceToken(
  token: string,
  audience: string,
  keys: ServiceKeys,
): Promise<string> {
  let caller: string | undefined;
  try {
    const { payload } = await jwtVerify(
      token,
      async (header: JWTHeaderParameters) => {
        caller = header.kid;
        const jwk = caller !== undefined ? keys.get(caller) : undefined;
        if (jwk === undefined) throw new InvalidServiceTokenError('unknown service');
        return publicKey(jwk);
      },
      {
        algorithms: ['EdDSA'],
        audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: 5,
        maxTokenAge: MAX_TOKEN_AGE,
      },
    );
    if (caller === undefined || payload.sub !== `service:${caller}`)
      throw new InvalidServiceTokenError('subject does not match the signing key');
    return caller;
  } catch (err) {
    if (err instanceof InvalidServiceTokenError) throw err;
    if (err instanceof errors.JOSEError) throw new InvalidServiceTokenError(err.code);
    throw new InvalidServiceTokenError('malformed');
  }
}
