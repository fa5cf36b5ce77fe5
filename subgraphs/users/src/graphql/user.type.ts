import { Directive, Field, ID, ObjectType } from 'type-graphql';
import type { UserRecord } from '../persistence/user.entity.js';
import { RoleType } from './role.type.js';

@Directive('@key(fields: "id")')
@ObjectType('User', {
  description:
    'An account. `email` is visible to the user itself, to admins and to the orders service.',
})
export class UserType {
  @Field(() => ID)
  id!: string;

  // Resolved by UserResolver.email so that only the owner and admins see it.
  emailAddress!: string;

  @Field(() => [RoleType])
  roles!: RoleType[];

  @Field()
  createdAt!: Date;

  /**
   * Not exposed. True when this object is the user of a session just started (register, login,
   * refresh): the caller is then that user even though its gateway proof is still anonymous.
   */
  viewedByOwner = false;

  static from(record: UserRecord, options: { viewedByOwner?: boolean } = {}): UserType {
    return Object.assign(new UserType(), {
      id: record.id,
      emailAddress: record.email,
      roles: record.roles.map((r) => r as RoleType),
      createdAt: record.createdAt,
      viewedByOwner: options.viewedByOwner ?? false,
    });
  }
}
