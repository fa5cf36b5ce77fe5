export { stackEnv, TestStack } from './harness.js';
export { Mailbox, type CaughtMail } from './mailbox.js';
export { createRunId, TestNamespace } from './namespace.js';
export { waitUntil, type WaitOptions } from './wait.js';
export { Child, killAll, spawnNode, type LogEntry, type SpawnOptions } from './child-process.js';
export { freePort } from './free-port.js';
export { startService, type RunningService, type StartServiceOptions } from './start-service.js';
