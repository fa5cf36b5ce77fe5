import type { FieldProblem } from '@shop/platform';

export const PRODUCT_STATUSES = ['ACTIVE', 'ARCHIVED'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/** A product as the catalog stores it. Prices are integer minor units of `currency`. */
export interface Product {
  readonly id: string;
  readonly sku: string;
  readonly title: string;
  readonly description: string;
  readonly brand: string | null;
  /** Root first, e.g. ["Furniture", "Bookcases"]. */
  readonly categoryPath: readonly string[];
  /** Flexible, product-specific attributes (colour, material, ...), name -> value. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly priceCents: number;
  /** ISO 4217 code. */
  readonly currency: string;
  readonly images: readonly string[];
  /** 0-5, one decimal; null when unrated. */
  readonly rating: number | null;
  readonly status: ProductStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Incremented by every change; events and the search index carry it so older never wins. */
  readonly revision: number;
}

/** What an admin (or the seed) supplies to create a product. */
export type ProductDraft = Pick<Product, 'id' | 'sku' | 'title' | 'priceCents'> &
  Partial<
    Pick<
      Product,
      'description' | 'brand' | 'categoryPath' | 'attributes' | 'currency' | 'images' | 'rating'
    >
  >;

/** A partial update: only the fields given change. */
export type ProductPatch = Partial<Omit<ProductDraft, 'id'>>;

export const LIMITS = {
  title: 200,
  description: 5000,
  brand: 100,
  categoryDepth: 5,
  category: 100,
  attributes: 50,
  attributeName: 50,
  attributeValue: 200,
  images: 20,
  imageUrl: 2000,
  /** GraphQL's Int ceiling. */
  priceCents: 2_147_483_647,
} as const;

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const SKU = /^[A-Za-z0-9._/-]{1,64}$/;
const CURRENCY = /^[A-Z]{3}$/;
const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]{0,49}$/;

/**
 * Every problem of a draft or patch, one per field, in field order. `partial` skips the required
 * fields that a patch may leave out.
 */
export function productProblems(
  p: ProductPatch & { id?: string },
  partial = false,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const bad = (field: string, message: string): void => void problems.push({ field, message });
  if (!partial || p.id !== undefined)
    if (p.id === undefined || !ID.test(p.id)) bad('id', 'must be 1-64 letters, digits, . _ or -');
  if (!partial || p.sku !== undefined)
    if (p.sku === undefined || !SKU.test(p.sku))
      bad('sku', 'must be 1-64 letters, digits, . _ / or -');
  if (!partial || p.title !== undefined)
    if (p.title === undefined || p.title.trim().length === 0 || p.title.length > LIMITS.title)
      bad('title', `must be 1-${LIMITS.title} characters`);
  if (p.description !== undefined && p.description.length > LIMITS.description)
    bad('description', `must be at most ${LIMITS.description} characters`);
  if (
    p.brand !== undefined &&
    p.brand !== null &&
    (p.brand.trim().length === 0 || p.brand.length > LIMITS.brand)
  )
    bad('brand', `must be 1-${LIMITS.brand} characters, or null`);
  if (p.categoryPath !== undefined) {
    const c = p.categoryPath;
    if (
      c.length > LIMITS.categoryDepth ||
      c.some((s) => s.trim().length === 0 || s.length > LIMITS.category || s.includes('>'))
    )
      bad(
        'categoryPath',
        `must be at most ${LIMITS.categoryDepth} names of 1-${LIMITS.category} characters without '>'`,
      );
  }
  if (p.attributes !== undefined) {
    const entries = Object.entries(p.attributes);
    if (entries.length > LIMITS.attributes) bad('attributes', `at most ${LIMITS.attributes}`);
    else {
      const badName = entries.find(([k]) => !ATTRIBUTE_NAME.test(k));
      const badValue = entries.find(([, v]) => v.length === 0 || v.length > LIMITS.attributeValue);
      if (badName !== undefined)
        bad(
          'attributes',
          `name "${badName[0].slice(0, 60)}" must be lower-case letters, digits or _ (at most 50)`,
        );
      else if (badValue !== undefined)
        bad(
          'attributes',
          `value of "${badValue[0]}" must be 1-${LIMITS.attributeValue} characters`,
        );
    }
  }
  if (!partial || p.priceCents !== undefined)
    if (
      p.priceCents === undefined ||
      !Number.isInteger(p.priceCents) ||
      p.priceCents < 0 ||
      p.priceCents > LIMITS.priceCents
    )
      bad('priceCents', 'must be a whole number of minor units, 0 to 2147483647');
  if (p.currency !== undefined && !CURRENCY.test(p.currency))
    bad('currency', 'must be an ISO 4217 code such as USD');
  if (p.images !== undefined) {
    if (p.images.length > LIMITS.images) bad('images', `at most ${LIMITS.images}`);
    else if (p.images.some((u) => !isHttpUrl(u) || u.length > LIMITS.imageUrl))
      bad('images', 'each must be an http(s) URL');
  }
  if (
    p.rating !== undefined &&
    p.rating !== null &&
    (!Number.isFinite(p.rating) || p.rating < 0 || p.rating > 5)
  )
    bad('rating', 'must be between 0 and 5, or null');
  return problems;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A draft with defaults filled and text trimmed, ready to store. */
export function newProduct(d: ProductDraft, now: Date): Product {
  return {
    id: d.id,
    sku: d.sku,
    title: d.title.trim(),
    description: d.description ?? '',
    brand: d.brand?.trim() ?? null,
    categoryPath: (d.categoryPath ?? []).map((s) => s.trim()),
    attributes: { ...d.attributes },
    priceCents: d.priceCents,
    currency: d.currency ?? 'USD',
    images: [...(d.images ?? [])],
    rating: d.rating === undefined || d.rating === null ? null : Math.round(d.rating * 10) / 10,
    status: 'ACTIVE',
    createdAt: now,
    updatedAt: now,
    revision: 1,
  };
}
