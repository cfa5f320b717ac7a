import { nextFloat } from "./rng";
import type { ApiFaultRates, Endpoint, FaultKind, MarketState } from "./types";

/** About one machine in five is bad in some way, roughly the mix the original monitor kept replacing. */
export const DEFAULT_FAULT_RATES: Record<FaultKind, number> = {
  stuck_boot: 0.03,
  no_cuda: 0.03,
  oom: 0.02,
  crash: 0.02,
  stall: 0.02,
  hf_auth: 0.01,
  launch_broken: 0.02,
  oci_error: 0.02,
  offline: 0.02,
  slow_setup: 0.01,
};

/** API faults are off unless a test or demo asks for them, so clients see a clean API by default. */
export const DEFAULT_API_FAULTS: ApiFaultRates = { rate429: 0, rate5xx: 0, rateMalformed: 0, delayMs: 0 };

export type ApiFault = "429" | "502" | "503" | "malformed" | "lost" | null;

export function apiFaultRates(state: MarketState, endpoint: Endpoint): ApiFaultRates {
  const { endpoints, ...global } = state.apiFaults;
  return { ...global, ...endpoints[endpoint] };
}

/** Draws from the API stream, so turning faults on never changes what the market itself does. */
export function drawApiFault(state: MarketState, rates: ApiFaultRates): ApiFault {
  const lost = rates.rateLost ?? 0;
  if (rates.rate429 + rates.rate5xx + rates.rateMalformed + lost <= 0) return null;
  let roll = nextFloat(state.apiRng);
  if ((roll -= rates.rate429) < 0) return "429";
  if ((roll -= rates.rate5xx) < 0) return nextFloat(state.apiRng) < 0.5 ? "502" : "503";
  if ((roll -= rates.rateMalformed) < 0) return "malformed";
  if ((roll -= lost) < 0) return "lost";
  return null;
}

/** Vast's rate limiter: plain text and no Retry-After header ("Rate Limits and Errors"). */
export function tooFrequent(threshold = 4.5): Response {
  return new Response(`API requests too frequent endpoint threshold=${threshold}`, {
    status: 429,
    headers: { "content-type": "text/plain" },
  });
}

const GATEWAY_TEXT = { 502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out" } as const;

export function gatewayError(status: 502 | 503 | 504): Response {
  const text = GATEWAY_TEXT[status];
  return new Response(
    `<html><head><title>${text}</title></head><body><center><h1>${text}</h1></center><hr><center>nginx</center></body></html>`,
    {
      status,
      headers: { "content-type": "text/html" },
    },
  );
}

/** A body cut off mid-way, as a dropped connection leaves it; the request itself did take effect. */
export async function truncate(res: Response): Promise<Response> {
  const text = await res.text();
  return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), { status: res.status, headers: res.headers });
}
