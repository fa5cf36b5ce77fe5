export { baseConfigSchema, ConfigError, env, loadConfig, parseConfig } from './config.js';
export {
  assertNever,
  BadUserInputError,
  type FieldProblem,
  ConflictError,
  DomainError,
  ERROR_CODES,
  ForbiddenError,
  isErrorCode,
  NotFoundError,
  UnauthenticatedError,
  type ErrorCode,
} from './errors.js';
export { createLogger, routeProcessWarnings, type Logger } from './logger.js';
export {
  createMetricsRegistry,
  graphqlErrorsTotal,
  graphqlResolverDuration,
  httpRequestDuration,
} from './metrics.js';
export {
  createOpsHandler,
  startOpsServer,
  type OpsOptions,
  type ReadinessCheck,
} from './ops-server.js';
export {
  acceptRequestId,
  CONTEXT_HEADERS,
  currentContext,
  runWithContext,
  type RequestContext,
} from './request-context.js';
export {
  installGracefulShutdown,
  type GracefulShutdownOptions,
  type ShutdownHook,
} from './shutdown.js';
export {
  DEV_GATEWAY_PROOF_PRIVATE_KEY,
  DEV_GATEWAY_PROOF_PUBLIC_KEY,
  GATEWAY_PROOF_ALGORITHM,
  GATEWAY_PROOF_CLOCK_TOLERANCE_SECONDS,
  GATEWAY_PROOF_HEADER,
  GATEWAY_PROOF_ISSUER,
  GATEWAY_PROOF_TTL_SECONDS,
  isDevGatewayProofKey,
  isRole,
  parseGatewayProofKey,
  ROLES,
  type Role,
} from './gateway-contract.js';
export {
  answerDeadlineStream,
  DEFAULT_MARIADB_ANSWER_TIMEOUT_MS,
} from './mariadb-answer-deadline.js';
export { untilAborted } from './until-aborted.js';
