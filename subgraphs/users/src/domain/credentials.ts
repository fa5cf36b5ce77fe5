import type { FieldProblem } from '@shop/platform';
import type { UserRole } from './role.js';

// Pragmatic: one @, no spaces, a dot in the domain. Deliverability is checked by sending mail.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const encoder = new TextEncoder();

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function emailProblem(email: string): FieldProblem | undefined {
  const normalized = normalizeEmail(email);
  if (normalized.length > 254 || !EMAIL.test(normalized))
    return { field: 'email', message: 'must be a valid email address' };
  return undefined;
}

/** bcrypt reads at most 72 bytes, so longer passwords are refused rather than silently truncated. */
export function passwordProblem(password: string): FieldProblem | undefined {
  if (password.length < 10) return { field: 'password', message: 'must be at least 10 characters' };
  if (encoder.encode(password).length > 72)
    return { field: 'password', message: 'must be at most 72 bytes' };
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password))
    return { field: 'password', message: 'must contain letters and digits' };
  return undefined;
}

export interface RegistrationProblemsInput {
  readonly email: string;
  readonly password: string;
}

export const registrationProblems = (input: RegistrationProblemsInput): FieldProblem[] =>
  [emailProblem(input.email), passwordProblem(input.password)].filter(
    (p): p is FieldProblem => p !== undefined,
  );

/** Self-service registration always creates customers; partners and admins are provisioned. */
export const SELF_SERVICE_ROLES: readonly UserRole[] = ['customer'];

/**
 * Whether a password hash made at `hashCost` should be redone at the configured cost (at the next
 * successful login, the only time the password is known). Both ways: an account hashed at another
 * cost than the rest answers a login in another time, which tells old accounts from new.
 */
export const needsRehash = (hashCost: number | undefined, configuredCost: number): boolean =>
  hashCost !== configuredCost;
