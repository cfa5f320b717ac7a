/**
 * The cron tick: a pass of every fleet in its own object, and the `/healthz` verdict from what the
 * ticks saw.
 * @module
 */

import { passSettingsErrors } from "../config/settings";
import type { Env } from "../env";
import { redact } from "../redact";
import { fleetNames, registry, type PassHealth, type TickHealth } from "./registry";

/** A pass runs every minute; five ticks without one that listed Vast mean the fleets are blind or stopped. */
export const HEALTHY_WITHIN_MS = 5 * 60_000;

export type TickResult = { fleet: string; ran: boolean; observed: boolean; at: number | null; error: string | null };

/**
 * The cron tick fans out to one Durable Object per fleet, so fleets run in parallel, each with its
 * own lease and subrequest budget, and one slow or failing fleet never holds up another. Then one
 * call records what the tick saw for /healthz. Settings a pass cannot run with (a malformed
 * VAST_API_URL or HF_ENDPOINT) stop every pass, as an invalid ZEB_* setting stops a fleet's.
 */
export async function tickAll(env: Env): Promise<TickResult[]> {
  const fleets = await fleetNames(env);
  const invalid = passSettingsErrors(env);
  const results = await Promise.all(
    fleets.map(async (fleet): Promise<TickResult> => {
      if (invalid.length > 0)
        return { fleet, ran: false, observed: false, at: null, error: `settings invalid, no pass: ${invalid.join("; ")}` };
      try {
        const { ran, report } = await env.FLEET.getByName(fleet).tick(fleet);
        return { fleet, ran, observed: report?.observed ?? false, at: report?.at ?? null, error: null };
      } catch (e) {
        return { fleet, ran: false, observed: false, at: null, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
  try {
    await registry(env).recordTick(tickHealth(results));
  } catch (e) {
    // The passes happened; /healthz goes stale, which is what it should say when the registry is down.
    console.error(`tick: health not recorded: ${redact(e instanceof Error ? e.message : String(e), env)}`);
  }
  return results;
}

function newest(times: (number | null)[]): number | null {
  const known = times.filter((t): t is number => t !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

/** A fleet busy with an API pass skipped the tick: it is not known to be blind. */
export function tickHealth(results: readonly TickResult[]): TickHealth {
  return {
    observedAt: newest(results.map((r) => (r.observed ? r.at : null))),
    passAt: newest(results.map((r) => r.at)),
    fleets: results.length,
    blind: results.filter((r) => r.error !== null || (r.ran && !r.observed)).length,
  };
}

export type HealthVerdict = { ok: true; lastObservedAt: number } | { ok: false; message: string; lastObservedAt: number | null };

/** Healthy while some pass listed Vast less than HEALTHY_WITHIN_MS ago, by the passes' clock: the fifth blind tick in a row fails it. */
export function judgeHealth({ tick, now }: PassHealth): HealthVerdict {
  if (tick === null) return { ok: false, message: "no cron tick has been recorded yet", lastObservedAt: null };
  const limit = `limit ${HEALTHY_WITHIN_MS / 1000}s`;
  const blind = `${tick.blind} of ${tick.fleets} fleet(s) blind at the last tick`;
  if (tick.observedAt === null) return { ok: false, message: `no pass has listed Vast yet; ${blind}`, lastObservedAt: null };
  const age = now - tick.observedAt;
  if (age >= HEALTHY_WITHIN_MS) {
    return {
      ok: false,
      message: `no pass has listed Vast for ${Math.round(age / 1000)}s (${limit}); ${blind}`,
      lastObservedAt: tick.observedAt,
    };
  }
  return { ok: true, lastObservedAt: tick.observedAt };
}
