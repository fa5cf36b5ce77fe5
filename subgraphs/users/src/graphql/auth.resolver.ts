import { UnauthenticatedError } from '@shop/platform';
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { AuthService } from '../service/auth.service.js';
import type { SigningKeysService } from '../service/signing-keys.service.js';
import { AuthPayloadType } from './auth-payload.type.js';
import type { UsersContext } from './context.js';
import { LoginInput, RegisterInput } from './credentials.input.js';
import { UserType } from './user.type.js';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly keys: SigningKeysService,
  ) {}

  @Directive('@authenticated')
  @Query(() => UserType, { description: 'The signed-in user.' })
  async me(@Ctx() ctx: UsersContext): Promise<UserType> {
    if (ctx.identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    return UserType.from(await this.auth.user(ctx.identity.userId));
  }

  @Directive('@authenticated')
  @Directive('@rateLimit(window: "1m", max: 10)')
  @Query(() => String, {
    description:
      'Returns "ok". Limited to 10 calls a minute per user: operators use it to check rate limiting end to end.',
  })
  rateLimitProbe(): string {
    return 'ok';
  }

  // Per client address whatever token is sent (accounts are free: keying on the token would give
  // an attacker 5 more per account), and per target email across all clients.
  @Directive('@rateLimit(window: "1m", max: 5, by: "client")')
  @Directive('@rateLimit(window: "1h", max: 10, by: "args", identityArgs: ["input.email"])')
  @Mutation(() => AuthPayloadType, { description: 'Creates a customer account and signs it in.' })
  async register(
    @Arg('input', () => RegisterInput) input: RegisterInput,
  ): Promise<AuthPayloadType> {
    return AuthPayloadType.from(await this.auth.register(input));
  }

  // Password guessing: 10 a minute per client address; 5 per 15 min per (client, email); 100 an hour
  // per email across all clients. Rejected attempts do not count, so one network adds at most ~25
  // an hour to an email's window: locking a user out (or guessing faster than 100 an hour) takes
  // several networks, and the user's own network keeps its own 5 per 15 min until then.
  @Directive('@rateLimit(window: "1m", max: 10, by: "client")')
  @Directive('@rateLimit(window: "15m", max: 5, by: "client", identityArgs: ["input.email"])')
  @Directive('@rateLimit(window: "1h", max: 100, by: "args", identityArgs: ["input.email"])')
  @Mutation(() => AuthPayloadType)
  async login(@Arg('input', () => LoginInput) input: LoginInput): Promise<AuthPayloadType> {
    return AuthPayloadType.from(await this.auth.login(input));
  }

  @Directive('@rateLimit(window: "1m", max: 60, by: "client")')
  @Mutation(() => AuthPayloadType, {
    description: 'Rotates the refresh token; the one passed in becomes invalid.',
  })
  async refresh(@Arg('refreshToken') refreshToken: string): Promise<AuthPayloadType> {
    return AuthPayloadType.from(await this.auth.refresh(refreshToken));
  }

  @Directive('@rateLimit(window: "1m", max: 30, by: "client")')
  @Mutation(() => Boolean, { description: 'Ends the session of this refresh token.' })
  logout(@Arg('refreshToken') refreshToken: string): Promise<boolean> {
    return this.auth.logout(refreshToken);
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => String, {
    description: 'Starts signing with a new key; returns its kid. Old tokens stay valid.',
  })
  rotateSigningKey(): Promise<string> {
    return this.keys.rotate();
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => String, {
    description:
      'Emergency revocation of a leaked signing key: it leaves the JWKS at once and a new key takes over if it was active; returns the active kid. Gateways refuse its tokens once their JWKS cache expires.',
  })
  revokeSigningKey(@Arg('kid', () => ID) kid: string): Promise<string> {
    return this.keys.revoke(kid);
  }
}
