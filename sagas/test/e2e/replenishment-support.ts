// Reading and steering replenishments through the gateway, as an admin would.
import type { CheckoutWorld } from './checkout-world.js';

/** Where the notification worker sends escalations in the checkout world (its default). */
export const OPS_EMAIL = 'operations@shop.localhost';

export interface ReplenishmentView {
  id: string;
  productId: string;
  supplier: string;
  status: string;
  open: boolean;
  ordered: number;
  received: number;
  stocked: number;
  outstanding: number;
  supplierOrderId: string | null;
  attention: string | null;
  attentionStep: string | null;
}

export const REPLENISHMENT_FIELDS =
  'id productId supplier status open ordered received stocked outstanding supplierOrderId attention attentionStep';

/** Every replenishment of a product (the admins' query, filter ALL), newest first. */
export async function replenishmentsOf(
  world: CheckoutWorld,
  productId: string,
): Promise<ReplenishmentView[]> {
  const { replenishments } = await world.ok<{ replenishments: ReplenishmentView[] }>(
    undefined,
    `query ($p: ID!) { replenishments(filter: ALL, productId: $p, first: 20) { ${REPLENISHMENT_FIELDS} } }`,
    { p: productId },
  );
  return replenishments;
}

/** Sets a product's low-stock threshold and/or supplier (the admin's adjustStock). */
export async function setSupply(
  world: CheckoutWorld,
  productId: string,
  supply: { lowStockThreshold?: number; supplier?: string },
): Promise<void> {
  await world.ok(
    undefined,
    'mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { productId } }',
    { input: { productId, ...supply } },
  );
}
