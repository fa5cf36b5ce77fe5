export const USER_ROLES = ['customer', 'partner', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];
