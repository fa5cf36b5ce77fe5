/** Where a saga stands. COMPLETED, FAILED (fully compensated) and NEEDS_ATTENTION are terminal. */
export const SAGA_STATUSES = [
  'RUNNING',
  'COMPENSATING',
  'COMPLETED',
  'FAILED',
  'NEEDS_ATTENTION',
] as const;
export type SagaStatus = (typeof SAGA_STATUSES)[number];

export const TERMINAL_STATUSES: readonly SagaStatus[] = ['COMPLETED', 'FAILED', 'NEEDS_ATTENTION'];
export const isTerminal = (s: SagaStatus): boolean => TERMINAL_STATUSES.includes(s);

export interface SagaHistoryEntry {
  readonly at: string;
  readonly step: number;
  readonly stepName: string;
  readonly action: 'execute' | 'compensate' | 'saga';
  readonly event: string;
  readonly attempt?: number;
  readonly detail?: string;
}

/** A saga instance as stored. */
export interface SagaState {
  readonly id: string;
  readonly type: string;
  status: SagaStatus;
  /** The step whose command is outstanding (execute while RUNNING, compensate while COMPENSATING). */
  currentStep: number;
  attempt: number;
  data: Record<string, unknown>;
  history: SagaHistoryEntry[];
  deadlineAt: Date | null;
  failureReason: string | null;
  readonly requestId: string | null;
  readonly correlationId: string;
  readonly createdAt: Date;
  updatedAt: Date;
}
