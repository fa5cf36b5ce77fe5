import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Catalog's Product, referenced by id only; the gateway fetches its fields from catalog. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Product')
export class ProductRef {
  @Field(() => ID)
  id!: string;
}
