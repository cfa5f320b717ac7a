/**
 * What must go whatever the target: the operator's pick, dead workers, workers fatal past their
 * grace or stuck past a phase timeout, a host Hugging Face refuses, and destroys Vast has not yet
 * confirmed. These are urgent: they act at once, outside the disruption budget.
 * @module
 */

import type { FleetConfig } from "../../config/fleet";
import { formatDuration } from "../../format";
import type { FatalKind } from "../logs";
import type { Phase } from "../state";
import { hfRefusesHost } from "./hf";
import { type DestroyCause, destroyOf, type Going, type PlanInput, type Worker } from "./types";

/** A phase that lasts longer than its setting is a worker to replace. */
export const REPLACE_TIMEOUTS: Partial<Record<Phase, { key: keyof FleetConfig; cause: DestroyCause; what: string }>> = {
  BOOT: { key: "bootTimeoutS", cause: "boot_timeout", what: "no container after" },
  SETUP: { key: "setupTimeoutS", cause: "setup_timeout", what: "stuck in setup for" },
  WAIT: { key: "waitTimeoutS", cause: "wait_timeout", what: "waiting with no progress for" },
  FATAL: { key: "errGraceS", cause: "fatal", what: "fatal for" },
};

/**
 * Fatal errors no progress can follow in a worker that never started: the host has no usable GPU,
 * or its shell cannot run the launch command. errGraceS gives a traceback time to be followed by
 * progress; here it would only pay the host for five more minutes.
 */
const HOPELESS: ReadonlySet<string> = new Set<FatalKind>(["no_cuda", "launch_broken"]);

function hopeless(w: Pick<Worker, "everRan" | "fatalKind">): boolean {
  return !w.everRan && w.fatalKind !== null && HOPELESS.has(w.fatalKind);
}

/** How long a FATAL worker may stay before it is replaced (unhealthy() takes a hopeless one at once); alerts read it. */
export function fatalGraceS(w: Pick<Worker, "everRan" | "fatalKind">, config: FleetConfig): number {
  return hopeless(w) ? 0 : config.errGraceS;
}

/** Over the per-worker cap: a running one is traded make before break (trades.ts), any other goes. */
export function overCost(w: Worker, config: FleetConfig): boolean {
  return w.instance.dph_total !== null && w.instance.dph_total > config.maxDph + 1e-9;
}

/**
 * Why a worker must go now regardless of the target, or null. A worker whose logs cannot be read
 * has its timers stopped (classify.ts moves `since` on by the blind time), so blindness alone never
 * times it out.
 */
function unhealthy(w: Worker, input: PlanInput): { cause: DestroyCause; reason: string } | null {
  const { config, now } = input;
  if (w.phase === "DEAD") return { cause: "dead", reason: `dead (${w.detail}); exited instances still bill storage` };
  if (w.phase !== "RUNNING" && overCost(w, config)) {
    return {
      cause: "over_cost",
      reason: `$${w.instance.dph_total?.toFixed(3)}/h is over the cap $${config.maxDph}/h and it is not running yet`,
    };
  }
  if (w.phase === "STALLED") return { cause: "stalled", reason: `stalled: ${w.detail}` };
  if (w.phase === "FATAL" && hopeless(w)) {
    return { cause: "fatal", reason: `fatal before its first batch, no grace: ${w.detail}` };
  }
  const rule = REPLACE_TIMEOUTS[w.phase];
  if (!rule || w.blind) return null;
  const limit = config[rule.key] as number;
  const inPhase = (now - w.since) / 1000;
  if (inPhase <= limit) return null;
  return { cause: rule.cause, reason: `${rule.what} ${formatDuration(inPhase)} (limit ${formatDuration(limit)}): ${w.detail}` };
}

/** Adds the urgent destroys to `going`; answers what it holds back and why. */
export function planHealth(input: PlanInput, voucher: Worker | null, going: Going): string[] {
  const { config, now } = input;
  const held: string[] = [];
  for (const w of input.workers) {
    if (w.instance.id === input.replace) {
      going.add(destroyOf(w, "replaced", "replaced through the API"));
      continue;
    }
    const hostRefused = hfRefusesHost(w, voucher, config, now);
    const bad =
      unhealthy(w, input) ??
      (hostRefused && w.phase === "RUNNING"
        ? {
            cause: "fatal" as const,
            reason: `Hugging Face refuses this host (401/403) while ${voucher?.label ?? "another worker"} uploads with the same token`,
          }
        : null);
    if (!bad) continue;
    // A refused token is kept only in a worker that may still be producing: a dead, fatal or
    // stalled one only bills (under runtype ssh a worker that died keeps its instance running),
    // and the launch hold outlives it (state.hfAuthHold).
    const producing = w.phase !== "DEAD" && w.phase !== "FATAL" && w.phase !== "STALLED" && bad.cause !== "over_cost";
    if (producing && w.hfAuthError && !hostRefused) {
      held.push(
        `${w.label}: Hugging Face rejects the token; a replacement would fail the same way, so it is kept until the token is fixed`,
      );
      continue;
    }
    going.add(destroyOf(w, bad.cause, bad.reason));
  }
  // Destroys Vast has not confirmed are sent again while the instance is listed.
  for (const pd of input.state.pendingDestroys) {
    const w = input.workers.find((x) => x.instance.id === pd.instanceId);
    if (!w || going.has(pd.instanceId)) continue;
    const why =
      pd.attempts === 0
        ? `deferred to keep Vast's interval: ${pd.reason}`
        : `destroy not confirmed (attempt ${pd.attempts + 1}): ${pd.reason}`;
    going.add(destroyOf(w, pd.cause, why, true));
  }
  return held;
}
