import { Field, InputType } from 'type-graphql';

@InputType('RegisterInput')
export class RegisterInput {
  @Field()
  email!: string;

  @Field({ description: '10 to 72 bytes, letters and digits.' })
  password!: string;
}

@InputType('LoginInput')
export class LoginInput {
  @Field()
  email!: string;

  @Field()
  password!: string;
}
