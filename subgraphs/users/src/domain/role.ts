// The roles are part of the gateway contract (@shop/platform): the gateway and every subgraph
// accept exactly the roles users issues.
export { ROLES as USER_ROLES, type Role as UserRole } from '@shop/platform';
