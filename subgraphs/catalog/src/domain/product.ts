import type { FieldProblem } from '@shop/platform';

export interface Product {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly priceCents: number;
}

export function productProblems(p: Product): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(p.id))
    problems.push({ field: 'id', message: 'must be 1-64 letters, digits, . _ or -' });
  if (p.title.trim().length === 0 || p.title.length > 200)
    problems.push({ field: 'title', message: 'must be 1-200 characters' });
  if (p.description.length > 5000)
    problems.push({ field: 'description', message: 'must be at most 5000 characters' });
  if (!Number.isInteger(p.priceCents) || p.priceCents < 0)
    problems.push({
      field: 'priceCents',
      message: 'must be a whole number of cents, not negative',
    });
  return problems;
}
