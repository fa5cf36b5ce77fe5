import { registerEnumType } from 'type-graphql';

export enum RoleType {
  CUSTOMER = 'customer',
  PARTNER = 'partner',
  ADMIN = 'admin',
}
registerEnumType(RoleType, {
  name: 'Role',
  description: 'Roles are also the scopes of @requiresScopes.',
});
