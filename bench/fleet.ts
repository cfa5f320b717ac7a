/**
 * Fleet simulation benchmark: each policy runs the product's real pass code (or, for the
 * oracle, a rule that knows every host) against its own copy of a seed's paired market, several
 * seeds in parallel child processes. Yardsticks come from the same market without a fleet in it:
 * the running frontier (headline), the hindsight bound, and the oracle. A policy producing on
 * under 95% of its target worker-hours fails whatever its games per dollar.
 *
 *   npm run bench:fleet -- --hours 8 --seeds 1-48 --duds 0.2 --cap 0.11 --bounce on --warm 0 \
 *     --bid-ratio 0.45 --preempt-mean-h 6 --reliability-signal none --policies original,vastfleet,interruptible,oracle [--json] [--jobs N] [--causes]
 *
 * See docs/benchmark.md for what each knob is calibrated on.
 */
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { DEFAULT_DUDS, POLICIES, WORKERS, type Cell, type PolicyName, type PolicyResult, type SeedResult } from "./fleet-sim";
import { mean, spread } from "./harness";
import { RELIABILITY_SIGNALS, type ReliabilitySignal } from "../src/sim/signal";
import { FAULT_KINDS } from "../src/sim/types";

/** Producing worker-hours under this share of the target's fail, whatever the games per dollar. */
const MIN_PRODUCING_SHARE = 0.95;

function flag(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env[env] ?? fallback;
}
const has = (name: string) => process.argv.includes(`--${name}`);

function seedsOf(spec: string): number[] {
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

const seedSpec = flag("seeds", "BENCH_SEEDS", "1-48");
const seeds = seedsOf(seedSpec);
const cell: Cell = {
  hours: Number(flag("hours", "BENCH_HOURS", "8")),
  duds: Number(flag("duds", "BENCH_DUDS", String(DEFAULT_DUDS))),
  // The runbook's session paid $0.098-0.107 for its 3070 Ti and 3080, so it ran under a cap of at least $0.11.
  maxDph: Number(flag("cap", "BENCH_MAX_DPH", "0.11")),
  bounce: flag("bounce", "BENCH_BOUNCE", "on") !== "off",
  warmH: Number(flag("warm", "BENCH_WARM_H", "0")),
  bidRatio: Number(flag("bid-ratio", "BENCH_BID_RATIO", "0.45")),
  preemptMeanH: Number(flag("preempt-mean-h", "BENCH_PREEMPT_MEAN_H", "6")),
  reliabilitySignal: signalOf(flag("reliability-signal", "BENCH_RELIABILITY_SIGNAL", "none")),
  policies: policiesOf(flag("policies", "BENCH_POLICIES", "original,vastfleet,oracle")),
};
const jobs = Math.max(1, Math.min(seeds.length, Number(flag("jobs", "BENCH_JOBS", String(availableParallelism())))));

/** Seeds to child processes, `jobs` at a time; results in seed order. */
async function runSeeds(): Promise<SeedResult[]> {
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

const started = performance.now();
const results = await runSeeds();
const wallS = (performance.now() - started) / 1000;

interface Summary {
  policy: PolicyName;
  runs: PolicyResult[];
  gamesPerDollar: number;
  ofFrontier: number[];
  ofBound: number[];
  ofOracle: number[];
}

const runsOf = (p: PolicyName) => results.map((r) => r.runs.find((x) => x.policy === p)).filter((x): x is PolicyResult => x !== undefined);
const oracleGpd = (r: SeedResult) => r.runs.find((x) => x.policy === "oracle")?.gamesPerDollar;
const summaries: Summary[] = cell.policies.map((policy) => {
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
const fails = (s: Summary) => mean(s.runs.map((r) => r.producingShare)) < MIN_PRODUCING_SHARE;
const original = summaries.find((s) => s.policy === "original");

if (has("json")) {
  for (const s of summaries) {
    const m = (f: (r: PolicyResult) => number) => mean(s.runs.map(f));
    console.log(
      JSON.stringify({
        policy: s.policy,
        hours: cell.hours,
        seeds: seedSpec,
        duds: Number(cell.duds.toFixed(6)),
        cap: cell.maxDph,
        bounce: cell.bounce ? "on" : "off",
        warmH: cell.warmH,
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
        wallS,
        jobs,
      }),
    );
  }
} else {
  const pct = (x: number, d = 1) => `${(x * 100).toFixed(d)}%`;
  const f = (xs: number[], d = 0) => `${mean(xs).toFixed(d)} ± ${spread(xs).toFixed(d)}`;
  const head = [
    "policy",
    "games",
    "dollars",
    "K games/$",
    "of frontier",
    "of bound",
    "of oracle",
    "producing",
    "dud launches",
    "replaced",
    "",
  ];
  const widths = [10, 17, 15, 14, 13, 10, 10, 10, 13, 11, 5];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" ");
  console.log(
    `\nFleet simulation: ${cell.hours} simulated hours, ${WORKERS} workers, cap $${cell.maxDph}/h, ${pct(cell.duds, 0)} dud hosts, market memory ${cell.bounce ? "on" : "off"}, reliability signal ${cell.reliabilitySignal}, bid ratio ${cell.bidRatio}, a competing bidder every ${cell.preemptMeanH} h, ` +
      `${cell.warmH} h idle first, seeds ${seedSpec} (mean ± sd; shares are means of per-seed ratios)`,
  );
  console.log(line(head));
  for (const s of summaries) {
    console.log(
      line([
        s.policy,
        f(s.runs.map((r) => r.gamesDelivered)),
        f(
          s.runs.map((r) => r.dollars),
          3,
        ),
        f(
          s.runs.map((r) => r.gamesPerDollar / 1000),
          1,
        ),
        pct(mean(s.ofFrontier)),
        pct(mean(s.ofBound)),
        s.ofOracle.length > 0 ? pct(mean(s.ofOracle)) : "",
        pct(mean(s.runs.map((r) => r.producingShare))),
        s.policy === "oracle" ? "" : pct(mean(s.runs.map((r) => r.dudLaunchShare)), 0),
        s.policy === "oracle"
          ? ""
          : f(
              s.runs.map((r) => r.replacements),
              1,
            ),
        fails(s) ? "FAIL" : "",
      ]),
    );
  }
  const yard = (k: "frontier" | "bound" | "oracleFree") =>
    f(
      results.map((r) => r.yard[k] / 1000),
      1,
    );
  console.log(
    `yardsticks, K games/$: running frontier ${yard("frontier")}, hindsight bound ${yard("bound")}, oracle swapping for free ${yard("oracleFree")}`,
  );
  console.log(
    `FAIL: producing worker-hours under ${pct(MIN_PRODUCING_SHARE, 0)} of the target's (${WORKERS} × ${cell.hours} h), whatever the games per dollar`,
  );
  for (const s of summaries.filter((x) => x.policy !== "oracle")) {
    const keys = ["producing", "boot", ...FAULT_KINDS];
    const total = (k: string) => s.runs.reduce((a, r) => a + (r.spend[k] ?? 0), 0);
    const all = keys.reduce((a, k) => a + total(k), 0);
    console.log(
      `dollars, ${s.policy}: ${keys
        .filter((k) => total(k) > 0)
        .map((k) => `${k} ${pct(total(k) / all)}`)
        .join(", ")}`,
    );
    const sum = (k: "first" | "later") =>
      s.runs.reduce((a, r) => ({ n: a.n + r.launchesByHour[k].n, duds: a.duds + r.launchesByHour[k].duds }), { n: 0, duds: 0 });
    const part = (k: "first" | "later") => `${pct(sum(k).duds / Math.max(1, sum(k).n), 0)} of ${sum(k).n}`;
    console.log(`launches on duds, ${s.policy}: first hour ${part("first")}, later ${part("later")} (all seeds)`);
  }
  if (original) {
    for (const s of summaries.filter((x) => x !== original)) {
      const perSeed = s.runs.map((r, i) => r.gamesPerDollar / (original.runs[i] as PolicyResult).gamesPerDollar - 1).sort((a, b) => a - b);
      console.log(
        `${s.policy} vs original: ${pct(s.gamesPerDollar / original.gamesPerDollar - 1)} games per dollar (per seed: median ${pct(perSeed[Math.floor(perSeed.length / 2)] ?? 0)}, min ${pct(perSeed[0] ?? 0)})`,
      );
    }
  }
  const onDemand = summaries.find((s) => s.policy === "vastfleet");
  const bids = summaries.find((s) => s.policy === "interruptible");
  if (onDemand && bids) {
    const ratio = (f: (r: PolicyResult) => number) => mean(bids.runs.map((r, i) => f(r) / f(onDemand.runs[i] as PolicyResult)));
    console.log(
      `interruptible vs vastfleet (bid ratio ${cell.bidRatio}, a competing bidder every ${cell.preemptMeanH} h): ${pct(ratio((r) => r.gamesPerDollar) - 1)} games per dollar, ${pct(ratio((r) => r.gamesDelivered))} of its games`,
    );
  }
  if (has("causes") || process.env.BENCH_CAUSES) {
    const causes = new Map<string, number>();
    for (const p of cell.policies)
      for (const r of runsOf(p)) for (const [k, n] of Object.entries(r.causes)) causes.set(k, (causes.get(k) ?? 0) + n);
    console.log("\nActions by cause, all seeds:");
    for (const [key, n] of [...causes].sort()) console.log(`  ${key.padEnd(40)} ${n}`);
    for (const p of cell.policies) {
      const cap = new Map<string, number>();
      for (const r of runsOf(p)) for (const [k, n] of Object.entries(r.capacity)) cap.set(k, (cap.get(k) ?? 0) + n / seeds.length);
      if (cap.size > 0)
        console.log(
          `capacity, ${p}, per seed: ${[...cap]
            .sort()
            .map(([k, n]) => `${k} ${n.toFixed(1)}`)
            .join(", ")}`,
        );
    }
  }
  console.log(`\n${seeds.length} seeds in ${wallS.toFixed(0)} s wall, ${jobs} processes`);
}
