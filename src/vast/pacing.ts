/**
 * Vast's rate limits as data, and the pure rules that keep a fleet inside them. Vast limits most
 * endpoints by a minimum interval between two calls of one identity ("Rate Limits and Errors");
 * a create sent inside its interval also pushes the next allowed one 12 s out. Pacing to the
 * interval costs a few seconds; a 429 costs a create the penalty and the rest of the pass.
 * @module
 */

export type PacedEndpoint = "create" | "destroy" | "list";

export interface PacingRule {
  /** Minimum time between two calls (ms). */
  intervalMs: number;
  /** How far a refused call (429) pushes the next allowed one (ms); the interval when Vast documents none. */
  penaltyMs: number;
}

export const PACING: Readonly<Record<PacedEndpoint, PacingRule>> = {
  create: { intervalMs: 4_500, penaltyMs: 12_000 },
  destroy: { intervalMs: 3_000, penaltyMs: 3_000 },
  list: { intervalMs: 1_000, penaltyMs: 1_000 },
};

/**
 * The time the act step of one pass may spend waiting between creates and destroys, from the
 * start of that step. Wall time is what counts here, not CPU (a Durable Object request has 30 s of
 * CPU, and waiting uses none): the cron ticks every 60 s and a tick finds a fleet whose pass is
 * still running busy (it skips it), observe takes up to one log polling budget (9 s) and an API
 * call waits 10 s for the lease. 20 s fits the default 4 launches of a pass (3 intervals, 13.5 s)
 * after 3 destroys (6 s) and ends the pass well inside the minute; the lease (5 min) is renewed
 * before every create and destroy, so it never runs out while a pass waits.
 */
export const ACT_BUDGET_MS = 20_000;

/** When each paced endpoint may next be called (ms, on the pass's clock); 0 for at once. */
export type NotBefore = Record<"create" | "destroy", number>;

/**
 * How long to wait before the next call. Never more than the rule's penalty: a stored time from
 * a clock that jumped (or from the simulator's) must not hold a fleet back for longer.
 */
export function waitMs(rule: PacingRule, notBefore: number, at: number): number {
  return Math.min(Math.max(0, notBefore - at), Math.max(rule.intervalMs, rule.penaltyMs));
}

/** After a call was sent at `at`: the next may go one interval later. */
export function afterSent(rule: PacingRule, at: number): number {
  return at + rule.intervalMs;
}

/** After Vast refused a call as too frequent at `at`: the next waits the penalty, or longer if already due later. */
export function afterRefused(rule: PacingRule, notBefore: number, at: number): number {
  return Math.max(notBefore, at + rule.penaltyMs);
}

/** The waits of a pass: real ones in production, declared ones in tests and against the simulator. */
export interface Pacer {
  sleep(ms: number): Promise<void>;
  /** ms since the pacer was made: the pass's clock is `now + elapsed()`. */
  elapsed(): number;
}

/** A pacer on a clock that moves only when it sleeps: no real time passes (tests, the simulator). */
export function virtualPacer(declare: (ms: number) => Promise<void> = () => Promise.resolve()): Pacer {
  let waited = 0;
  return {
    async sleep(ms) {
      if (ms <= 0) return;
      waited += ms;
      await declare(ms);
    },
    elapsed: () => waited,
  };
}

/** A pacer on the wall clock. */
export function realPacer(start = Date.now()): Pacer {
  return {
    sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => setTimeout(resolve, ms))),
    elapsed: () => Date.now() - start,
  };
}
