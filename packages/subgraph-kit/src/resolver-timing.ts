import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Histogram } from 'prom-client';

/**
 * Apollo plugin: observes the latency of every root-field resolver (`Query.*`, `Mutation.*`,
 * `Query._entities` included) in `duration`, labelled `Type.field`. Nested fields are not timed: a
 * label per field of every type would multiply the series, and a timer per leaf costs more than
 * the leaf. A field whose resolver returns a promise (or a list of them, as `_entities` does) is
 * timed until it settles; a failed resolver is timed too.
 */
export function resolverTimingPlugin<C extends BaseContext>(
  duration: Histogram<'field'>,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              if (info.parentType !== info.schema.getRootType(info.operation.operation)) return;
              const end = duration.startTimer({
                field: `${info.parentType.name}.${info.fieldName}`,
              });
              return () => {
                end();
              };
            },
          };
        },
      };
    },
  };
}
