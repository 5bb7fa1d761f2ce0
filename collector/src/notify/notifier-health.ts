import type { DeliveryOutcome } from './delivery-worker.js';

interface Failing {
  sinceMs: number;
  failures: number;
}

/**
 * Whether each notifier is currently failing, from delivery outcomes, so that the log says once
 * when a receiver starts failing (with the reason) and once when it answers again, not once per
 * retry. Plain state; the caller logs what `observe` returns.
 */
export class NotifierHealth {
  private readonly failing = new Map<string, Failing>();

  observe(outcome: DeliveryOutcome, nowMs: number): { level: 'warn' | 'log'; line: string } | undefined {
    const name = outcome.row.notifier;
    const state = this.failing.get(name);
    if (outcome.outcome === 'delivered') {
      if (!state) return undefined;
      this.failing.delete(name);
      const failures = `${state.failures} failed attempt${state.failures === 1 ? '' : 's'}`;
      return { level: 'log', line: `notifier ${name} recovered: delivered again after ${failures} since ${new Date(state.sinceMs).toISOString()}` };
    }
    if (state) {
      state.failures++;
      return undefined;
    }
    this.failing.set(name, { sinceMs: nowMs, failures: 1 });
    const subject = outcome.message ? ` (${outcome.message.refresh ? 'refresh of ' : ''}${outcome.message.event} of incident #${outcome.message.incidentId}, attempt ${outcome.attempts})` : '';
    const next = outcome.outcome === 'retry' && outcome.nextDueMs !== undefined ? `; retrying in ${Math.max(0, Math.round((outcome.nextDueMs - nowMs) / 1000))}s` : '';
    return { level: 'warn', line: `notifier ${name} failed: ${outcome.error ?? 'unknown error'}${subject}${next}` };
  }
}
