/**
 * What an offer's listing says about whether its host is a dud, as numbers on one scale: each
 * feature is 0 for an unremarkable listing (or when the field is not listed), so a model whose
 * weights are all zero ("no signal") judges every offer the same. Prices and DLPerf are read
 * against the same GPU model's median in the same search, as a renter compares them.
 * @module
 */

import type { Offer } from "../../vast/schemas";

export const DUD_FEATURES = ["reliability", "unverified", "cuda", "inet", "dlperf", "price", "struck"] as const;
export type DudFeature = (typeof DUD_FEATURES)[number];

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Per GPU model of a search, the median price and DLPerf: what an offer is compared with. */
export interface SearchMedians {
  dph: Record<string, number>;
  dlperf: Record<string, number>;
}

export function searchMedians(offers: readonly Offer[]): SearchMedians {
  const by = (f: (o: Offer) => number | null | undefined) => {
    const groups = new Map<string, number[]>();
    for (const o of offers) {
      const v = f(o);
      if (v != null && v > 0) groups.set(o.gpu_name, [...(groups.get(o.gpu_name) ?? []), v]);
    }
    return Object.fromEntries([...groups].map(([gpu, xs]) => [gpu, median(xs) as number]));
  };
  return { dph: by((o) => o.dph_total), dlperf: by((o) => o.dlperf) };
}

/** log(x / typical) in units of `scale`, 0 when either is unknown. */
function relative(x: number | null | undefined, typical: number | undefined, scale: number): number {
  return x != null && x > 0 && typical !== undefined && typical > 0 ? clamp(Math.log(x / typical) / scale, -3, 3) : 0;
}

/**
 * The features, in DUD_FEATURES order: reliability2 around 0.95 in steps of 0.05; listed
 * unverified; cuda_max_good around 12.5; inet_down around 400 Mbps (log); DLPerf and price against
 * the model's median (log, in steps of 20%); and the host's decayed strikes (`strikes`: market
 * memory saw it bounce, or it failed for this fleet) up to 2.
 */
export function offerFeatures(offer: Offer, medians: SearchMedians, strikes: number): number[] {
  const r = offer.reliability2;
  const cuda = offer.cuda_max_good;
  const inet = offer.inet_down;
  return [
    r == null ? 0 : clamp((r - 0.95) / 0.05, -4, 1),
    offer.verified === false ? 1 : 0,
    cuda == null ? 0 : clamp((cuda - 12.5) / 0.5, -3, 3),
    inet == null || inet <= 0 ? 0 : clamp(Math.log(inet / 400) / 1.5, -3, 3),
    relative(offer.dlperf, medians.dlperf[offer.gpu_name], 0.2),
    relative(offer.dph_total, medians.dph[offer.gpu_name], 0.2),
    clamp(strikes, 0, 2),
  ];
}
