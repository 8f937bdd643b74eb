import { log } from '../core/log.js';

/**
 * Calls `stop` on the first SIGINT/SIGTERM; a second one exits at once. The
 * listeners stay registered (not `once`): signal-exit, which the ledger's lock
 * library uses, re-raises a signal nobody else listens to, killing the process
 * before the calls in flight are answered.
 */
export function onStopSignal(stop: (signal: string) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(130);
    }
    stopping = true;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

const tick = () => new Promise((r) => setTimeout(r, 25));

/** Waits for running calls within `graceMs`, stopping payments in flight with time left to answer their callers. */
export async function drain(inflight: { count: number }, graceMs: number, stopPayments: () => void, why: string): Promise<void> {
  const started = Date.now();
  if (inflight.count > 0) log.info('shutting down: letting running tool calls finish', { reason: why, calls: inflight.count, bound_ms: graceMs });
  const answerBy = started + Math.max(graceMs - 2_000, graceMs / 2);
  while (inflight.count > 0 && Date.now() < answerBy) await tick();
  if (inflight.count > 0) log.warn('shutting down: payments still waiting for the platform are recorded as unknown and will be reconciled at the next start', { calls: inflight.count });
  stopPayments();
  while (inflight.count > 0 && Date.now() < started + graceMs) await tick();
  if (inflight.count > 0) log.warn('exiting with tool calls still running', { calls: inflight.count });
}
