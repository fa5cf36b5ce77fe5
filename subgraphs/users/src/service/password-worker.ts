// A bcrypt worker thread (see PasswordHasher): one job at a time, synchronous inside the worker,
// so the users event loop never runs a bcrypt round.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

export type PasswordWork =
  | { readonly op: 'hash'; readonly password: string; readonly cost: number }
  | { readonly op: 'compare'; readonly password: string; readonly hash: string };

export type PasswordJob = PasswordWork & { readonly id: number };

export type PasswordJobResult =
  | { readonly id: number; readonly ok: true; readonly value: string | boolean }
  | { readonly id: number; readonly ok: false; readonly error: string };

parentPort?.on('message', (job: PasswordJob) => {
  let reply: PasswordJobResult;
  try {
    const value =
      job.op === 'hash'
        ? bcrypt.hashSync(job.password, job.cost)
        : bcrypt.compareSync(job.password, job.hash);
    reply = { id: job.id, ok: true, value };
  } catch (err) {
    reply = { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
