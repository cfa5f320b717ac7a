/**
 * `GET /metrics`: the fleets' status in Prometheus' text exposition format (version 0.0.4). A pure
 * function of what `/status` answers: gauges from the last pass, counters from each fleet object's
 * meter (usage.ts), which starts again at 0 when the object restarts (Prometheus' `rate()` and
 * `increase()` treat that as a counter reset).
 * @module
 */

import type { FleetStatus } from "../fleet/status";
import { PHASES } from "../reconcile/state";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;
interface Family {
  name: string;
  type: "gauge" | "counter";
  help: string;
  samples: { labels: Labels; value: number }[];
}

/** Label values escape `\`, `"` and line feeds; HELP text escapes `\` and line feeds (the exposition format). */
const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function render(families: Family[]): string {
  return families
    .flatMap((f) => [
      `# HELP ${f.name} ${escapeHelp(f.help)}`,
      `# TYPE ${f.name} ${f.type}`,
      ...f.samples.map(({ labels, value }) => {
        const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
        return `${f.name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${Number.isFinite(value) ? value : "NaN"}`;
      }),
    ])
    .join("\n")
    .concat("\n");
}

export function metricsText(fleets: FleetStatus[]): string {
  const each = (name: string, type: Family["type"], help: string, value: (f: FleetStatus) => number | null): Family => ({
    name: `vastfleet_${name}`,
    type,
    help,
    samples: fleets.flatMap((f) => {
      const v = value(f);
      return v === null ? [] : [{ labels: { fleet: f.fleet }, value: v }];
    }),
  });
  const byKey = (
    name: string,
    type: Family["type"],
    help: string,
    key: string,
    values: (f: FleetStatus) => Record<string, number>,
  ): Family => ({
    name: `vastfleet_${name}`,
    type,
    help,
    samples: fleets.flatMap((f) => Object.entries(values(f)).map(([k, value]) => ({ labels: { fleet: f.fleet, [key]: k }, value }))),
  });
  const families: Family[] = [
    each(
      "target_workers",
      "gauge",
      "The fleet's target number of workers (ZEB_WORKERS or POST /scale); absent while its config is invalid.",
      (f) => f.target,
    ),
    byKey(
      "workers",
      "gauge",
      "Workers the fleet's last pass listed, by phase (BOOT, SETUP, WAIT, RUNNING, STALLED, FATAL, DEAD).",
      "phase",
      (f) => Object.fromEntries(PHASES.map((p) => [p, f.instances.filter((i) => i.phase === p).length])),
    ),
    each(
      "dollars_per_hour",
      "gauge",
      "What the fleet's listed instances cost, in US dollars an hour, at the last pass.",
      (f) => f.totals.dph,
    ),
    each(
      "games_per_second",
      "gauge",
      "Self-play games a second made by the fleet's RUNNING workers, by their logs at the last pass.",
      (f) => f.totals.gamesPerSec,
    ),
    each(
      "games_per_dollar",
      "gauge",
      "games_per_second over dollars_per_hour, in games per dollar; absent while the fleet costs nothing.",
      (f) => f.totals.gamesPerDollar,
    ),
    byKey(
      "launches_total",
      "counter",
      "Creates the fleet's passes sent to Vast, answered or not, by cause (slot: filling a slot; upgrade: a make-before-break trade or roll), since the fleet's object started.",
      "cause",
      (f) => f.usage.launches,
    ),
    byKey(
      "destroys_total",
      "counter",
      "Destroys the fleet's passes sent to Vast, by cause (dead, fatal, stuck, scale_down, upgrade_done, down, replace, ...), since the fleet's object started.",
      "cause",
      (f) => f.usage.destroys,
    ),
    each("breaker_open", "gauge", "1 while the fleet's circuit breaker holds launches (the same failure on several hosts), else 0.", (f) =>
      f.breaker.open ? 1 : 0,
    ),
    each("paused", "gauge", "1 while the fleet's autonomous actions are paused (POST /pause or ZEB_PAUSED), else 0.", (f) =>
      f.paused ? 1 : 0,
    ),
    each("passes_total", "counter", "Passes the fleet's object ran (not dry runs), since it started.", (f) => f.usage.passes),
    each(
      "pass_errors_total",
      "counter",
      "Passes whose report carried an error (Vast unreachable, a refused create, the lease lost, ...), since the fleet's object started.",
      (f) => f.usage.passErrors,
    ),
    each(
      "last_pass_subrequests",
      "gauge",
      "Subrequests (Vast, KV, registry) made by the fleet's last pass; Workers Free allows 50 an invocation, Paid 10,000.",
      (f) => f.lastPass?.subrequests ?? null,
    ),
    each(
      "last_pass_timestamp_seconds",
      "gauge",
      "When the fleet's last pass ran, in Unix seconds on the passes' clock (the simulator's under npm start).",
      (f) => (f.lastPass ? f.lastPass.at / 1000 : null),
    ),
    each(
      "hf_commits_per_hour",
      "gauge",
      "Hugging Face commits an hour the fleet's workers make at their own upload intervals; the budget is hf_commit_budget, HF's limit 128 per repository.",
      (f) => f.hfCommits?.perHour ?? null,
    ),
    each(
      "hf_commit_budget",
      "gauge",
      "The commits an hour vastfleet keeps each fleet within (HF allows 128 per repository; the rest is margin).",
      (f) => f.hfCommits?.budget ?? null,
    ),
    each(
      "credit_dollars",
      "gauge",
      "The Vast account's credit in US dollars as the fleet last read it (every 10 minutes while it spends); absent before its first reading.",
      (f) => f.alerts.credit?.credit ?? null,
    ),
    each(
      "credit_runway_hours",
      "gauge",
      "Hours the account's credit lasts at the fleet's dollars_per_hour; absent before a credit reading or while the fleet costs nothing.",
      (f) => f.credit.runwayHours,
    ),
    each(
      "spent_dollars_total",
      "counter",
      "US dollars the fleet's instances cost since its books started (its own accounting: price × billed time, disk included), kept across object restarts.",
      (f) => f.money.spent.total,
    ),
    each(
      "games_delivered_total",
      "counter",
      "Self-play games the fleet's workers uploaded to Hugging Face since its books started, kept across object restarts.",
      (f) => f.money.games.total,
    ),
  ];
  return render(families);
}
