import { SignJWT } from 'jose';
import type { UserRole } from '../domain/role.js';
import type { SigningKeysService } from './signing-keys.service.js';

export interface AccessTokenOptions {
  readonly issuer: string;
  readonly audience: string;
  /** @default 900 (15 minutes) */
  readonly ttlSeconds: number;
}

/** Signs RS256 access tokens in the format of the gateway contract. */
export class AccessTokensService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly options: AccessTokenOptions,
  ) {}

  async issue(
    userId: string,
    roles: readonly UserRole[],
  ): Promise<{ token: string; expiresAt: Date }> {
    const { kid, key } = await this.keys.active();
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + this.options.ttlSeconds;
    const token = await new SignJWT({ roles: [...roles] })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(userId)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(crypto.randomUUID())
      .sign(key);
    return { token, expiresAt: new Date(exp * 1000) };
  }
}
