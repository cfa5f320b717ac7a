import type { Env } from "../env";
import { createVastClient, type VastClient, type VastClientOptions } from "./client";
import type { FetchLike } from "./http";

/** VAST_API_URL that selects the embedded market simulator instead of the real Vast. */
export const SIM_ORIGIN = "http://vast-simulator";

export const DEFAULT_VAST_API_URL = "https://console.vast.ai";

/**
 * Routes by origin, not by prefix, so that a host such as `vast-simulator.example.com` still
 * goes to the network. The simulator's own result_url links come back here too.
 */
export function vastFetch(env: Env): FetchLike {
  return (req) => (new URL(req.url).origin === SIM_ORIGIN ? env.SIM.getByName("market").fetch(req) : fetch(req));
}

/** The client the Worker uses; `tuning` lets tests and the simulator shorten retry and poll waits. */
export function clientFor(env: Env, tuning: Omit<VastClientOptions, "baseUrl" | "apiKey" | "fetch"> = {}): VastClient {
  return createVastClient({
    ...tuning,
    baseUrl: env.VAST_API_URL ?? DEFAULT_VAST_API_URL,
    ...(env.VAST_API_KEY === undefined ? {} : { apiKey: env.VAST_API_KEY }),
    fetch: vastFetch(env),
  });
}
