/**
 * Budgets as data: what may hold launches back (each gate a row with its reason), and how many
 * producing workers the fleet may take away by choice in one pass (the disruption budget, after
 * Karpenter's). Urgent destroys (dead, fatal, stuck, duplicate, down, the operator's replace) never
 * wait for a budget: they bill and produce nothing.
 * @module
 */

import { probeAllowed } from "../breaker";
import { HOUR_MS } from "../../format";
import type { PlanInput, Worker } from "./types";

export interface GateContext {
  input: PlanInput;
  /** Hugging Face refused the token and no worker vouches for it (hf.ts). */
  hfAuthHold: boolean;
}

interface Gate {
  /** Launches this gate still lets through, or null when it does not apply. */
  limit(c: GateContext): number | null;
  why(c: GateContext): string;
}

const launchesLastHour = (c: GateContext) => c.input.state.launches.filter((l) => c.input.now - l.at < HOUR_MS).length;
const creditPaused = (c: GateContext) => c.input.state.creditPausedUntil !== null && c.input.now < c.input.state.creditPausedUntil;

/** In order: the first reason that holds a launch back is the one shown. */
const LAUNCH_GATES: readonly Gate[] = [
  {
    limit: (c) => (c.input.hfTokenSet === false ? 0 : null),
    why: () => "launches held: the HF_TOKEN secret is not set (wrangler secret put HF_TOKEN)",
  },
  { limit: (c) => (c.input.state.launchHold ? 0 : null), why: (c) => `launches held: ${c.input.state.launchHold}` },
  {
    limit: (c) => (c.hfAuthHold ? 0 : null),
    why: () => "launches held: Hugging Face rejected the token in worker logs (wrangler secret put HF_TOKEN, or POST /resume once fixed)",
  },
  { limit: (c) => (creditPaused(c) ? 0 : null), why: () => "launches paused: the Vast account lacks credit" },
  {
    limit: (c) => (c.input.state.breaker.open ? (probeAllowed(c.input.state.breaker, c.input.now) ? 1 : 0) : null),
    why: (c) => `circuit breaker open: ${c.input.state.breaker.reason}`,
  },
  {
    limit: (c) => c.input.config.maxLaunchesPerHour - launchesLastHour(c),
    why: (c) => `hourly launch budget (${c.input.config.maxLaunchesPerHour}) used up`,
  },
  { limit: (c) => c.input.config.maxLaunchesPerPass, why: (c) => `at most ${c.input.config.maxLaunchesPerPass} launches per pass` },
];

/** How many of `wanted` launches may go this pass, and why the others wait. */
export function launchAllowance(wanted: number, c: GateContext): { allowed: number; held: string[] } {
  let allowed = wanted;
  const held: string[] = [];
  if (wanted <= 0) return { allowed: 0, held };
  for (const gate of LAUNCH_GATES) {
    const limit = gate.limit(c);
    if (limit === null || allowed <= limit) continue;
    held.push(gate.why(c));
    allowed = Math.max(0, limit);
  }
  return { allowed, held };
}

/** A trade is a launch nobody needed at once: every hold on launches holds it, and so does an open breaker (no probes on trades). */
export function tradesAllowed(c: GateContext): boolean {
  return !c.input.state.breaker.open && launchAllowance(1, c).allowed === 1;
}

/**
 * Producing workers the fleet may take away by choice this pass (scale-down, a trade's old worker
 * leaving): at most `maxDisruptionsPerPass`. A worker not running produces nothing, so removing it
 * disrupts nothing and is not counted.
 */
export function disruptionBudget(input: PlanInput): { take(w: Worker): boolean } {
  let left = input.config.maxDisruptionsPerPass;
  return {
    take(w) {
      if (w.phase !== "RUNNING") return true;
      if (left <= 0) return false;
      left--;
      return true;
    },
  };
}
