import type { ContainerType } from 'type-graphql';

/**
 * A type-graphql container holding the given resolver instances, found by their class: a
 * composition root builds the resolvers with their collaborators and hands them over here.
 */
export function resolverContainer(...instances: object[]): ContainerType {
  const byClass = new Map<unknown, object>(instances.map((i) => [i.constructor, i]));
  return {
    get: (cls: unknown) => {
      const instance = byClass.get(cls);
      if (instance === undefined) throw new Error(`no resolver instance for ${String(cls)}`);
      return instance;
    },
  };
}

/**
 * Runs `start`; when it throws, runs `close` (what was opened before it, e.g. the ORM) and
 * rethrows, so a composition root that fails half-way leaks no connection.
 */
export async function closeOnFailure<T>(
  close: () => Promise<unknown>,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await close();
    throw err;
  }
}
