export {
  loadStackConfig,
  stackEndpoints,
  STACK_HOST,
  type StackConfig,
  type StackEndpoints,
} from './config.ts';
export { stackCpuMs } from './cpu.ts';
export { kafkaJavaArgs, kafkaNode, type KafkaNode } from './servers/kafka.ts';
