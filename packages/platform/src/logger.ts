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
