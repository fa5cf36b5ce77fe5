export {
  ServiceCallError,
  ServiceClient,
  type ServiceCallFailure,
  type ServiceClientOptions,
} from './service-client.js';
export {
  InvalidServiceTokenError,
  parseServiceKeys,
  SERVICE_TOKEN_HEADER,
  SERVICE_TOKEN_TTL_SECONDS,
  ServiceSigner,
  serviceKeysSetting,
  verifyServiceToken,
  type ServiceKeys,
} from './service-identity.js';
export {
  DEV_SERVICE_PUBLIC_KEYS,
  DEV_SERVICE_SIGNING_KEYS,
  holdsDevServiceKey,
} from './dev-keys.js';
