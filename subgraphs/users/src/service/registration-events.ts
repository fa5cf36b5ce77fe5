import type { EntityManager } from '@mikro-orm/core';
import type { Outbox } from '@shop/messaging';
import { userRegisteredV1 } from '@shop/schema';
import {
  bonusOfferOf,
  greetingName,
  type RegistrationPromotion,
} from '../domain/registration-bonus.js';
import type { UserRole } from '../domain/role.js';
import type { UserRecord } from '../persistence/user.entity.js';
import type { RegistrationEvents } from './auth.service.js';

/**
 * Writes `users.user-registered` through the outbox in the registration's transaction. A
 * self-registered customer's event carries the offer of the promotion rules at that moment (the
 * registration-bonus saga grants it; a later change of the rules does not alter it); accounts an
 * operator provisions (partners, admins) get none.
 */
export class RegistrationEventWriter implements RegistrationEvents {
  constructor(
    private readonly outbox: Outbox,
    private readonly topic: string,
    private readonly promotion: RegistrationPromotion | undefined,
    readonly afterCommit: () => void = () => undefined,
  ) {}

  async registered(em: EntityManager, user: UserRecord, selfService: boolean): Promise<void> {
    const offer =
      selfService && this.promotion !== undefined && isCustomerOnly(user.roles)
        ? bonusOfferOf(this.promotion)
        : undefined;
    await this.outbox.add(em, userRegisteredV1, {
      topic: this.topic,
      key: user.id,
      data: {
        userId: user.id,
        email: user.email,
        name: greetingName(user.email),
        ...(offer === undefined ? {} : { bonusOffer: offer }),
      },
    });
  }
}

const isCustomerOnly = (roles: readonly UserRole[]): boolean =>
  roles.length > 0 && roles.every((r) => r === 'customer');
