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
