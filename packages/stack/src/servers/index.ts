import type { StackServer } from '../server.ts';
import { elasticsearch } from './elasticsearch.ts';
import { ferretdb } from './ferretdb.ts';
import { kafka } from './kafka.ts';
import { mail } from './mail.ts';
import { mariadb } from './mariadb.ts';
import { redis } from './redis.ts';

/** Every server of the stack, in start order (stopped in reverse). */
export const SERVERS: readonly StackServer[] = [
  mariadb,
  redis,
  kafka,
  elasticsearch,
  ferretdb,
  mail,
];
