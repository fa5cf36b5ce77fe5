import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@shop/platform';
import bcrypt from 'bcryptjs';
import type { PasswordJob, PasswordJobResult, PasswordWork } from './password-worker.js';

/** Every hashing thread is busy and the queue is full: the caller should retry shortly. */
export class PasswordHashingBusyError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor() {
    super('Too many sign-ins in progress; try again in a moment', { retryAfter: 1 });
  }
}

export interface PasswordHasherOptions {
  /** Worker threads that run bcrypt. @default availableParallelism() - 1, at least 1 */
  readonly threads?: number;
  /**
   * Jobs that may wait for a thread; one more is refused with RATE_LIMITED at once. At cost 12
   * (about 0.3 s a job) 16 per thread is about 5 s of waiting, under the gateway's subgraph
   * deadline. @default 16 per thread
   */
  readonly maxQueue?: number;
}

interface Pending {
  readonly job: PasswordWork;
  readonly resolve: (value: string | boolean) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  busy?: Pending & { readonly id: number };
}

/**
 * bcrypt via bcryptjs (pure JS: no native addon) on a small pool of worker threads. bcryptjs's own
 * async API runs on the event loop in 100 ms slices: a burst of logins at cost 12 (about 0.3 s
 * each) took turns with every other request, so `me` and the JWKS waited seconds. Here the event
 * loop only posts messages, the threads hash, and the queue is bounded so that a burst gets a
 * quick RATE_LIMITED instead of answers that arrive after the client has gone.
 */
export class PasswordHasher {
  // Compared against when the email is unknown, so login time does not reveal which emails exist.
  private readonly dummy: string;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly maxQueue: number;
  private nextId = 1;
  private closed = false;

  /** @param cost bcrypt cost factor; 12 in production, lower in tests. */
  constructor(
    private readonly cost: number,
    options: PasswordHasherOptions = {},
  ) {
    this.dummy = bcrypt.hashSync('not-a-real-password-0', cost);
    const threads = Math.max(1, options.threads ?? availableParallelism() - 1);
    this.maxQueue = options.maxQueue ?? 16 * threads;
    for (let i = 0; i < threads; i++) this.slots.push(this.spawn());
  }

  hash(password: string): Promise<string> {
    return this.run({ op: 'hash', password, cost: this.cost }) as Promise<string>;
  }

  /** The cost a stored hash was made with; undefined when it is not a bcrypt hash. */
  costOf(hash: string): number | undefined {
    try {
      return bcrypt.getRounds(hash);
    } catch {
      return undefined;
    }
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const ok = await this.run({ op: 'compare', password, hash: hash ?? this.dummy });
    return ok === true && hash !== undefined;
  }

  /** Stops the threads; pending and later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('password hasher closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./password-worker.js', import.meta.url));
    // An idle thread must not keep the process alive (a busy one does, like any pending I/O).
    worker.unref();
    const slot: Slot = { worker };
    const finish = (): Pending | undefined => {
      const busy = slot.busy;
      slot.busy = undefined;
      worker.unref();
      return busy;
    };
    worker.on('message', (result: PasswordJobResult) => {
      if (slot.busy?.id !== result.id) return;
      const busy = finish();
      if (result.ok) busy?.resolve(result.value);
      else busy?.reject(new Error(`bcrypt failed: ${result.error}`));
      this.dispatch();
    });
    let crash: Error | undefined;
    worker.on('error', (err: Error) => {
      crash = err;
    });
    // 'exit', not 'error': a thread can end without an error (terminated, killed for memory,
    // process.exit in a library), and a slot left busy would never be dispatched to again. A
    // dead thread fails only its own job; a fresh one takes its place.
    worker.on('exit', (code: number) => {
      finish()?.reject(crash ?? new Error(`password hashing thread exited with code ${code}`));
      if (this.closed) return;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
      this.dispatch();
    });
    return slot;
  }

  private run(job: PasswordWork): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('password hasher closed'));
    const free = this.slots.filter((s) => s.busy === undefined).length;
    if (free === 0 && this.queue.length >= this.maxQueue)
      return Promise.reject(new PasswordHashingBusyError());
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy !== undefined) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      const id = this.nextId++;
      slot.busy = { ...next, id };
      slot.worker.ref();
      slot.worker.postMessage({ ...next.job, id } satisfies PasswordJob);
    }
  }
}
