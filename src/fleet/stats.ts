/**
 * What the fleet has learned about the market: throughput per GPU model (the runbook's performance
 * table, from this fleet's own batch lines) and per host. A pure view of the fleet's state.
 * @module
 */

import { type MoneyView, moneyLine, moneyView } from "../accounting/views";
import type { FleetConfig } from "../config/fleet";
import { type DudModelView, describeDudModel } from "../reconcile/duds/model";
import { decayedStrikes, expectedGpuRate, gamesPerDollar, isBlocked } from "../reconcile/offers";
import type { FleetState } from "../reconcile/state";
import { round } from "../format";

export interface GpuRow {
  gpu: string;
  /** The fleet's own rolling mean, null before any sample. */
  gamesPerSec: number | null;
  samples: number;
  prior: number | null;
  /** What ranking uses now: the prior moving to the observations. */
  expected: number;
  /** Rolling mean of what the fleet paid for this model. */
  dph: number | null;
  /** Expected games per dollar at that price. */
  gamesPerDollar: number | null;
}

export interface HostRow {
  machineId: number;
  gpu: string | null;
  gamesPerSec: number | null;
  samples: number;
  /** Strikes after decay. */
  strikes: number;
  blocked: boolean;
  /** Why it is blocked for good (No CUDA, HF refuses it), else why its latest strike. */
  reason: string | null;
  lastStrikeAt: number | null;
  /** The fleet whose block this is, when another fleet of the account found the host bad. */
  sharedFrom: string | null;
}

export interface FleetStats {
  fleet: string;
  gpus: GpuRow[];
  hosts: HostRow[];
  /** The fleet's own books, as in /status. */
  money: MoneyView;
  /** Which offers are duds: the model's weights, the outcomes it learned from and the observed dud rate. */
  duds: DudModelView;
}

export function fleetStats(fleet: string, config: FleetConfig, state: FleetState, now: number): FleetStats {
  const models = [...new Set([...config.gpus, ...Object.keys(state.gpuStats)])];
  const gpus = models.map((gpu): GpuRow => {
    const seen = state.gpuStats[gpu];
    const expected = expectedGpuRate(config, state.gpuStats, gpu);
    const dph = seen?.dph ?? null;
    return {
      gpu,
      gamesPerSec: seen && seen.samples > 0 ? round(seen.gamesPerSec, 2) : null,
      samples: seen?.samples ?? 0,
      prior: config.gpuPriors[gpu] ?? null,
      expected: round(expected, 2),
      dph: dph === null ? null : round(dph, 4),
      gamesPerDollar: dph === null ? null : Math.round(gamesPerDollar(expected, dph)),
    };
  });
  gpus.sort((a, b) => (b.gamesPerDollar ?? -1) - (a.gamesPerDollar ?? -1) || a.gpu.localeCompare(b.gpu));
  const hosts = Object.values(state.hosts)
    .map(
      (h): HostRow => ({
        machineId: h.machineId,
        gpu: h.gpuName,
        gamesPerSec: h.gamesPerSec === null ? null : round(h.gamesPerSec, 2),
        samples: h.samples,
        strikes: round(decayedStrikes(h, now), 2),
        blocked: isBlocked(h, now),
        reason: h.blockedReason ?? (h.strikes > 0 ? h.lastStrike : null),
        lastStrikeAt: h.strikes > 0 ? h.lastStrikeAt : null,
        sharedFrom: h.sharedFrom,
      }),
    )
    .sort((a, b) => Number(b.blocked) - Number(a.blocked) || b.strikes - a.strikes || a.machineId - b.machineId);
  return { fleet, gpus, hosts, money: moneyView(state.ledger, now), duds: describeDudModel(state.dudModel) };
}

function dudLine(d: DudModelView): string {
  const rate = d.dudRate === null ? "none yet" : `${Math.round(d.dudRate * 100)}%`;
  const weights = Object.entries(d.weights)
    .filter(([name]) => name !== "intercept")
    .map(([name, w]) => `${name} ${w}`)
    .join(", ");
  return `dud model: ${d.ran} launch(es) ran, ${d.duds} dud(s) (rate ${rate}, prior ${Math.round(d.priorDudRate * 100)}%); weights ${weights}`;
}

/** The runbook's "GPU performance reference" table, for curl. */
export function statsText(stats: FleetStats): string {
  const head = ["GPU", "games/s", "samples", "expected", "$/hr", "games/$"];
  const rows = stats.gpus.map((g) => [
    g.gpu.replace(/ /g, "_"),
    g.gamesPerSec?.toFixed(2) ?? "-",
    String(g.samples),
    g.expected.toFixed(2),
    g.dph?.toFixed(3) ?? "-",
    g.gamesPerDollar === null ? "-" : `${Math.round(g.gamesPerDollar / 1000)}K`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const blocked = stats.hosts.filter((h) => h.blocked);
  return [
    `${stats.fleet}: throughput by GPU model (expected = the runbook's prior moving to this fleet's measurements)`,
    line(head),
    "-".repeat(line(head).length),
    ...rows.map(line),
    "",
    moneyLine(stats.money),
    "",
    dudLine(stats.duds),
    "",
    `${stats.hosts.length} host(s) known, ${blocked.length} blocked${blocked.length ? `: ${blocked.map((h) => `${h.machineId} (${h.reason ?? `${h.strikes} strikes`})`).join(", ")}` : ""}`,
    "",
  ].join("\n");
}
