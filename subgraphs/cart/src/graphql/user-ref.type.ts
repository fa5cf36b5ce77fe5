import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The users subgraph's User, extended here with `cart`. */
@Directive('@key(fields: "id")')
@ObjectType('User')
export class UserRef {
  @Field(() => ID)
  id!: string;
}
