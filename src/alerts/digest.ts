/**
 * The daily digest: what the fleet did since the last one. Spend and games accumulate pass by
 * pass (the fleet's $/h times the time between passes; each worker's total_games delta), because
 * Vast's bills and HF's commit history are too coarse and too costly to query daily.
 * @module
 */

import { z } from "zod";
import type { FleetConfig } from "../config/fleet";
import type { PassReport } from "../reconcile/report";
import type { Notice } from "./machine";

export const Digest = z.object({
  /** UTC day (YYYY-MM-DD) of the last digest sent. */
  day: z.string().nullable(),
  since: z.number(),
  lastAt: z.number(),
  lastDph: z.number(),
  dollars: z.number(),
  games: z.number(),
  replacements: z.number().int(),
  totals: z.record(z.string(), z.number()),
});
export type Digest = z.infer<typeof Digest>;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const totalsOf = (report: PassReport) =>
  Object.fromEntries(report.workers.filter((w) => w.totalGames !== null).map((w) => [String(w.id), w.totalGames ?? 0]));

/** A new digest counts from now; if today's hour has passed, the first one is tomorrow's. */
export function startDigest(report: PassReport, config: FleetConfig): Digest {
  const past = config.digestHourUtc !== null && new Date(report.at).getUTCHours() >= config.digestHourUtc;
  return {
    day: past ? dayOf(report.at) : null,
    since: report.at,
    lastAt: report.at,
    lastDph: report.dph,
    dollars: 0,
    games: 0,
    replacements: 0,
    totals: totalsOf(report),
  };
}

export function accrue(d: Digest, report: PassReport, replacements: number): Digest {
  const totals = totalsOf(report);
  let games = 0;
  for (const [id, t] of Object.entries(totals)) games += Math.max(0, t - (d.totals[id] ?? 0));
  const hours = Math.max(0, report.at - d.lastAt) / 3600_000;
  return {
    ...d,
    lastAt: report.at,
    lastDph: report.dph,
    dollars: d.dollars + d.lastDph * hours,
    games: d.games + games,
    replacements: d.replacements + replacements,
    totals,
  };
}

/** Once a UTC day, at the first pass at or after the configured hour. */
export function takeDigest(d: Digest, report: PassReport, config: FleetConfig): { digest: Digest; notice: Notice | null } {
  const now = report.at;
  if (config.digestHourUtc === null || new Date(now).getUTCHours() < config.digestHourUtc || d.day === dayOf(now))
    return { digest: d, notice: null };
  const running = report.workers.filter((w) => w.phase === "RUNNING").length;
  const perDollar = d.dollars > 0 ? Math.round(d.games / d.dollars).toLocaleString("en-US") : "n/a";
  const notice: Notice = {
    kind: "digest",
    instance: null,
    title: `Daily digest for ${report.fleet}`,
    detail: [
      `Fleet: ${running} running of ${report.workers.length} (target ${config.workers}), $${report.dph.toFixed(3)}/h now`,
      `Since ${new Date(d.since).toISOString().slice(0, 16)}Z: ${Math.round(d.games).toLocaleString("en-US")} games, $${d.dollars.toFixed(2)} spent, ${perDollar} games/$`,
      `Replacements: ${d.replacements}`,
    ].join("\n"),
    todo: "Nothing, unless a number looks wrong.",
  };
  return { digest: { ...d, day: dayOf(now), since: now, dollars: 0, games: 0, replacements: 0 }, notice };
}
