/**
 * What bench/fleet.ts (one cell) and bench/grid.ts (a list of cells) share: the flags, the seeds
 * handed to child processes, and each policy's summary over the seeds with its JSON line.
 * @module
 */
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { RENTERS_PER_HOUR, SPEED_SPREAD } from "../src/sim/catalog";
import { RELIABILITY_SIGNALS, type ReliabilitySignal } from "../src/sim/signal";
import { DEFAULT_DUDS, POLICIES, type Cell, type PolicyName, type PolicyResult, type SeedResult } from "./fleet-sim";
import { mean } from "./harness";

/** Producing worker-hours under this share of the target's fail, whatever the games per dollar. */
export const MIN_PRODUCING_SHARE = 0.95;

export function flag(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env[env] ?? fallback;
}
export const has = (name: string) => process.argv.includes(`--${name}`);

export function seedsOf(spec: string): number[] {
  return spec.split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    if (a === undefined || !Number.isInteger(a)) throw new Error(`--seeds: ${spec}`);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

function policiesOf(spec: string): PolicyName[] {
  return spec.split(",").map((p) => {
    const name = POLICIES.find((q) => q === p);
    if (!name) throw new Error(`--policies: ${p} is not one of ${POLICIES.join(", ")}`);
    return name;
  });
}

function signalOf(spec: string): ReliabilitySignal {
  const signal = RELIABILITY_SIGNALS.find((s) => s === spec);
  if (!signal) throw new Error(`--reliability-signal: ${spec} is not one of ${RELIABILITY_SIGNALS.join(", ")}`);
  return signal;
}

/** The cell the flags (or their environment fallbacks) describe; unset knobs are today's market. */
export function cellOfFlags(): Cell {
  return {
    hours: Number(flag("hours", "BENCH_HOURS", "8")),
    duds: Number(flag("duds", "BENCH_DUDS", String(DEFAULT_DUDS))),
    // The runbook's session paid $0.098-0.107 for its 3070 Ti and 3080, so it ran under a cap of at least $0.11.
    maxDph: Number(flag("cap", "BENCH_MAX_DPH", "0.11")),
    bounce: flag("bounce", "BENCH_BOUNCE", "on") !== "off",
    warmH: Number(flag("warm", "BENCH_WARM_H", "0")),
    bidRatio: Number(flag("bid-ratio", "BENCH_BID_RATIO", "0.45")),
    preemptMeanH: Number(flag("preempt-mean-h", "BENCH_PREEMPT_MEAN_H", "6")),
    speedSpread: Number(flag("speed-spread", "BENCH_SPEED_SPREAD", String(SPEED_SPREAD))),
    rentersPerHour: Number(flag("renters-per-hour", "BENCH_RENTERS_PER_HOUR", String(RENTERS_PER_HOUR))),
    reliabilitySignal: signalOf(flag("reliability-signal", "BENCH_RELIABILITY_SIGNAL", "none")),
    policies: policiesOf(flag("policies", "BENCH_POLICIES", "original,vastfleet,oracle")),
  };
}

/** Child processes running seeds at once: `--jobs`, else the machine's cores, never more than the seeds. */
export function jobsFor(seeds: number): number {
  return Math.max(1, Math.min(seeds, Number(flag("jobs", "BENCH_JOBS", String(availableParallelism())))));
}

/** Seeds to child processes (bench/fleet-worker.ts), `jobs` at a time; results in seed order. */
export async function runSeeds(seeds: number[], cell: Cell, jobs: number): Promise<SeedResult[]> {
  const queue = [...seeds];
  const out: SeedResult[] = [];
  const worker = fileURLToPath(new URL("./fleet-worker.ts", import.meta.url));
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      const child = fork(worker, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      const exited = new Promise<never>((_, reject) => child.on("exit", (code) => reject(new Error(`a seed's process exited (${code})`))));
      for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
        const done = new Promise<SeedResult>((resolve) => child.once("message", (m: SeedResult) => resolve(m)));
        child.send({ seed, cell });
        out.push(await Promise.race([done, exited]));
      }
      child.removeAllListeners("exit");
      child.kill();
    }),
  );
  return out.sort((a, b) => a.seed - b.seed);
}

/** One policy over the seeds: its runs, and its per-seed shares of each yardstick. */
export interface Summary {
  policy: PolicyName;
  runs: PolicyResult[];
  gamesPerDollar: number;
  ofFrontier: number[];
  ofBound: number[];
  ofOracle: number[];
}

export function summarize(results: SeedResult[], policies: PolicyName[]): Summary[] {
  const oracleGpd = (r: SeedResult) => r.runs.find((x) => x.policy === "oracle")?.gamesPerDollar;
  return policies.map((policy) => {
    const per = results
      .map((r) => ({ run: r.runs.find((x) => x.policy === policy), r }))
      .filter((x): x is { run: PolicyResult; r: SeedResult } => x.run !== undefined);
    return {
      policy,
      runs: per.map((x) => x.run),
      gamesPerDollar: mean(per.map((x) => x.run.gamesPerDollar)),
      ofFrontier: per.map((x) => x.run.gamesPerDollar / x.r.yard.frontier),
      ofBound: per.map((x) => x.run.gamesPerDollar / x.r.yard.bound),
      ofOracle: per.flatMap((x) => ((o) => (o === undefined ? [] : [x.run.gamesPerDollar / o]))(oracleGpd(x.r))),
    };
  });
}

export const producingShare = (s: Summary) => mean(s.runs.map((r) => r.producingShare));
export const fails = (s: Summary) => producingShare(s) < MIN_PRODUCING_SHARE;

/** One policy's line of `--json`: the cell, the means over seeds (shares: means of per-seed ratios), the verdict. */
export function jsonLine(
  s: Summary,
  all: Summary[],
  cell: Cell,
  seeds: string,
  run: { wallS: number; jobs: number },
): Record<string, unknown> {
  const m = (f: (r: PolicyResult) => number) => mean(s.runs.map(f));
  const original = all.find((x) => x.policy === "original");
  return {
    policy: s.policy,
    hours: cell.hours,
    seeds,
    duds: Number(cell.duds.toFixed(6)),
    cap: cell.maxDph,
    bounce: cell.bounce ? "on" : "off",
    warmH: cell.warmH,
    speedSpread: cell.speedSpread,
    rentersPerHour: cell.rentersPerHour,
    reliabilitySignal: cell.reliabilitySignal,
    gamesPerDollar: s.gamesPerDollar,
    ofFrontier: mean(s.ofFrontier),
    ofBound: mean(s.ofBound),
    ofOracle: s.ofOracle.length > 0 ? mean(s.ofOracle) : null,
    producingShare: m((r) => r.producingShare),
    gamesDelivered: m((r) => r.gamesDelivered),
    dollars: m((r) => r.dollars),
    dudLaunchShare: m((r) => r.dudLaunchShare),
    vsOriginal: original && s !== original ? s.gamesPerDollar / original.gamesPerDollar - 1 : null,
    verdict: fails(s) ? "FAIL" : "ok",
    wallS: run.wallS,
    jobs: run.jobs,
  };
}
