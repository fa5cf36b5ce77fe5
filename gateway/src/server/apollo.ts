import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext, GatewayFeature } from '../gateway-feature.js';
import type { createSubgraphFetcher } from '../subgraph-fetcher.js';
import type { GatewayMetrics } from './metrics.js';
import type { FeaturePipeline } from './pipeline.js';

class ShopDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly subgraph: string,
    private readonly features: readonly GatewayFeature[],
    fetcher: ReturnType<typeof createSubgraphFetcher>['fetcher'],
  ) {
    super({ url, fetcher });
  }

  override async willSendRequest(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<void> {
    // GraphQLDataSourceRequestKind is not exported; its INCOMING_OPERATION value is this string.
    const context =
      (options.kind as string) === 'incoming operation'
        ? (options.context as GatewayContext)
        : undefined;
    for (const feature of this.features)
      await feature.onSubgraphRequest?.({
        subgraph: this.subgraph,
        request: options.request,
        context,
      });
  }
}

/** Runs the feature pipeline inside Apollo's request lifecycle (the HTTP path). */
function pipelinePlugin(pipeline: FeaturePipeline): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          if (rc.operation === undefined) return;
          await pipeline.checkOperation({
            schema: rc.schema,
            document: rc.document,
            operation: rc.operation,
            variables: rc.request.variables,
            context: rc.contextValue,
          });
        },
        async didEncounterErrors(rc) {
          for (const error of rc.errors) {
            const code = error.extensions?.code;
            if (code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'INTERNAL')
              rc.contextValue.logger.error({ err: error.originalError ?? error }, 'internal error');
          }
        },
      };
    },
  };
}

/**
 * The Apollo gateway (query planner and executor over the subgraphs) and the Apollo server that
 * serves queries and mutations with it. Subscriptions are not Apollo's: see subscriptions/.
 */
export async function createApollo(
  config: Readonly<GatewayConfig>,
  deps: {
    readonly supergraphSdl: string;
    readonly pipeline: FeaturePipeline;
    readonly metrics: GatewayMetrics;
    readonly fetcher: ReturnType<typeof createSubgraphFetcher>['fetcher'];
  },
): Promise<{ apollo: ApolloServer<GatewayContext>; apiSchema: () => GraphQLSchema }> {
  const development = config.NODE_ENV === 'development';
  const { pipeline } = deps;
  const gateway = new ApolloGateway({
    supergraphSdl: deps.supergraphSdl,
    buildService: ({ name, url }) =>
      new ShopDataSource(
        config.SUBGRAPH_URLS.get(name) ?? url ?? '',
        name,
        pipeline.features,
        deps.fetcher,
      ),
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => {
    apiSchema = loaded;
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: development,
    csrfPrevention: true,
    allowBatchedHttpRequests: true,
    // Apollo's own guard counts the selections of the operation with every fragment spread
    // expanded (memoised, at validation). The cost limit already bounds fields that cost something;
    // this bounds what costs nothing (`__typename`, skipped fields) spread 2^n times, which the
    // query planner would otherwise expand. A legitimate operation has at most a few selections
    // per costed field.
    maxRecursiveSelections: 4 * config.MAX_COST,
    // main.ts owns SIGTERM/SIGINT (installGracefulShutdown); Apollo's own handler would re-raise
    // the signal after stopping and kill the process before the other hooks run.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: development,
    hideSchemaDetailsFromClientErrors: !development,
    formatError: (formatted, error) => {
      const out = pipeline.formatError(formatted, error);
      const code = out.extensions?.code;
      deps.metrics.errorsByCode.inc({ code: typeof code === 'string' ? code : 'INTERNAL' });
      return out;
    },
    plugins: [
      pipelinePlugin(pipeline),
      ...pipeline.features.flatMap((f) => f.plugins ?? []),
      development
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  return {
    apollo,
    apiSchema: () => {
      if (apiSchema === undefined) throw new Error('the gateway has loaded no schema');
      return apiSchema;
    },
  };
}
