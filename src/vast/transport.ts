/**
 * Where Vast calls go, the real API or the embedded simulator (VAST_API_URL), and how a pass waits
 * against each.
 * @module
 */

import type { Env } from "../env";
import { createVastClient, type VastClient, type VastClientOptions } from "./client";
import type { FetchLike } from "./http";
import { type Pacer, realPacer, virtualPacer } from "./pacing";

/** VAST_API_URL that selects the embedded market simulator instead of the real Vast. */
export const SIM_ORIGIN = "http://vast-simulator";

export const DEFAULT_VAST_API_URL = "https://console.vast.ai";

export function isSimulated(env: Env): boolean {
  // A malformed URL is reported by the settings check (src/config/settings.ts), not thrown here.
  return env.VAST_API_URL !== undefined && URL.canParse(env.VAST_API_URL) && new URL(env.VAST_API_URL).origin === SIM_ORIGIN;
}

/**
 * Routes by origin, not by prefix, so that a host such as `vast-simulator.example.com` still
 * goes to the network. The simulator's own result_url links come back here too.
 */
export function vastFetch(env: Env): FetchLike {
  return (req) => (new URL(req.url).origin === SIM_ORIGIN ? env.SIM.getByName("market").fetch(req) : fetch(req));
}

/** The simulator answers in-process: waiting real seconds between its log polls and retries only slows passes. */
const SIMULATOR_TUNING = { logsPollMs: 5, backoffMs: 5 } as const;

/**
 * Against the simulator a wait passes no real time: it is declared to the simulated rate limiter
 * (`POST /__sim/wait`), whose clock is the client's wall clock, so paced calls stay within Vast's
 * intervals there as they would against Vast.
 */
function declaredWait(env: Env): (ms: number) => Promise<void> {
  return async (ms) => {
    if (ms <= 0) return;
    const init = { method: "POST", body: JSON.stringify({ ms }), headers: { "content-type": "application/json" } };
    await (await env.SIM.getByName("market").fetch(new Request(`${SIM_ORIGIN}/__sim/wait`, init))).body?.cancel();
  };
}

/** The waits of a pass started at `now`: real ones against Vast, declared ones against the simulator. */
export function pacerFor(env: Env, now: number): Pacer {
  return isSimulated(env) ? virtualPacer(declaredWait(env)) : realPacer(now);
}

/**
 * The client the Worker uses; `tuning` lets tests shorten retry and poll waits further. `meter`
 * counts every request sent (retries and log polls included): each one is a Worker subrequest.
 */
export function clientFor(
  env: Env,
  tuning: Omit<VastClientOptions, "baseUrl" | "apiKey" | "fetch"> = {},
  meter?: { requests: number },
): VastClient {
  const send = vastFetch(env);
  return createVastClient({
    ...(isSimulated(env) ? { ...SIMULATOR_TUNING, sleep: declaredWait(env) } : {}),
    ...tuning,
    baseUrl: env.VAST_API_URL ?? DEFAULT_VAST_API_URL,
    ...(env.VAST_API_KEY === undefined ? {} : { apiKey: env.VAST_API_KEY }),
    fetch: meter
      ? (req) => {
          meter.requests += 1;
          return send(req);
        }
      : send,
  });
}
