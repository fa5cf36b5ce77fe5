import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { UserRecord } from '../persistence/user.entity.js';

export interface UsersContext extends BaseSubgraphContext {
  readonly users: BatchLoader<string, UserRecord>;
}
