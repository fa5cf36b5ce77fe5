import { pino, type Logger, type LoggerOptions } from 'pino';
import { currentContext } from './request-context.js';

export type { Logger } from 'pino';

/** Paths never written to a log, whatever object they appear in. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  '*.secret',
];

/**
 * A pino JSON logger for one service. Every line carries the service name and, inside a request
 * or message, its request/correlation/saga ids from the async context.
 */
export function createLogger(
  service: string,
  level: LoggerOptions['level'] = 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = currentContext();
      if (ctx === undefined) return {};
      return Object.fromEntries(Object.entries(ctx).filter(([, v]) => v !== undefined));
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** Warnings known to be harmless, logged at debug instead of warn. */
const HARMLESS_WARNINGS: ReadonlySet<string> = new Set([
  // kafkajs 2.2 schedules negative timeouts (its request queue's throttle check); Node 22+ warns
  // and runs them after 1 ms, which is what kafkajs meant.
  'TimeoutNegativeWarning',
]);

/**
 * Sends process warnings (deprecations, kafkajs's negative timeouts, ...) to the service's JSON
 * log instead of Node's plain-text stderr printer. Call once at startup.
 */
export function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    const level = HARMLESS_WARNINGS.has(warning.name) ? 'debug' : 'warn';
    logger[level]({ warning: { name: warning.name, message: warning.message } }, 'process warning');
  });
}
