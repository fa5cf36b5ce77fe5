import { Field, ObjectType } from 'type-graphql';
import type { Session } from '../service/auth.service.js';
import { UserType } from './user.type.js';

@ObjectType('AuthPayload')
export class AuthPayloadType {
  @Field({ description: 'RS256 JWT for `Authorization: Bearer`, valid 15 minutes.' })
  accessToken!: string;

  @Field()
  accessTokenExpiresAt!: Date;

  @Field({
    description: 'Single use: `refresh` returns a new one; reusing an old one ends the session.',
  })
  refreshToken!: string;

  @Field()
  refreshTokenExpiresAt!: Date;

  @Field(() => UserType)
  user!: UserType;

  static from(session: Session): AuthPayloadType {
    return Object.assign(new AuthPayloadType(), {
      accessToken: session.accessToken,
      accessTokenExpiresAt: session.accessTokenExpiresAt,
      refreshToken: session.refreshToken,
      refreshTokenExpiresAt: session.refreshTokenExpiresAt,
      // Whoever holds these tokens is this user: it may read its own email in the payload.
      user: UserType.from(session.user, { viewedByOwner: true }),
    });
  }
}
