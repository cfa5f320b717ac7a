/**
 * Fleet simulation benchmark: each policy runs the product's real pass code (or, for the
 * oracle, a ceiling for swap decisions that knows every host) against its own copy of a seed's
 * paired market, several seeds in parallel child processes. Yardsticks come from the same market
 * without a fleet in it: the running frontier (headline), the hindsight bound, and the oracle. A
 * policy producing on under 95% of its target worker-hours fails whatever its games per dollar.
 *
 *   npm run bench:fleet -- --hours 8 --seeds 1-48 --duds 0.2 --cap 0.11 --bounce on --warm 0 \
 *     --bid-ratio 0.45 --preempt-mean-h 6 --speed-spread 0.03 --renters-per-hour 40 --reliability-signal none \
 *     --policies original,vastfleet,interruptible,oracle [--json] [--jobs N] [--causes]
 *
 * See docs/benchmark.md for what each knob is calibrated on.
 * @module
 */
import { FAULT_KINDS } from "../src/sim/types";
import { cellOfFlags, fails, flag, has, jobsFor, jsonLine, MIN_PRODUCING_SHARE, runSeeds, seedsOf, summarize } from "./fleet-run";
import { type PolicyName, type PolicyResult, WORKERS } from "./fleet-sim";
import { mean, spread } from "./harness";

const seedSpec = flag("seeds", "BENCH_SEEDS", "1-48");
const seeds = seedsOf(seedSpec);
const cell = cellOfFlags();
const jobs = jobsFor(seeds.length);

const started = performance.now();
const results = await runSeeds(seeds, cell, jobs);
const wallS = (performance.now() - started) / 1000;

const runsOf = (p: PolicyName) => results.map((r) => r.runs.find((x) => x.policy === p)).filter((x): x is PolicyResult => x !== undefined);
const summaries = summarize(results, cell.policies);
const original = summaries.find((s) => s.policy === "original");

if (has("json")) {
  for (const s of summaries) console.log(JSON.stringify(jsonLine(s, summaries, cell, seedSpec, { wallS, jobs })));
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
    `\nFleet simulation: ${cell.hours} simulated hours, ${WORKERS} workers, cap $${cell.maxDph}/h, ${pct(cell.duds, 0)} dud hosts, market memory ${cell.bounce ? "on" : "off"}, bid ratio ${cell.bidRatio}, a competing bidder every ${cell.preemptMeanH} h, ` +
      `host speeds ±${pct(cell.speedSpread)}, ${cell.rentersPerHour} other renters an hour, reliability signal ${cell.reliabilitySignal}, ${cell.warmH} h idle first, seeds ${seedSpec} (mean ± sd; shares are means of per-seed ratios)`,
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
  const yard = (k: "frontier" | "bound") =>
    f(
      results.map((r) => r.yard[k] / 1000),
      1,
    );
  console.log(`yardsticks, K games/$: running frontier ${yard("frontier")}, hindsight bound ${yard("bound")}`);
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
  const oracle = summaries.find((s) => s.policy === "oracle");
  if (oracle) {
    for (const s of summaries.filter((x) => x !== oracle)) {
      const beat = s.ofOracle.filter((x) => x > 1).length;
      console.log(
        `${s.policy} vs the ceiling oracle: beats it on ${beat} of ${s.ofOracle.length} seeds (per seed: best ${pct(Math.max(...s.ofOracle))}, worst ${pct(Math.min(...s.ofOracle))} of it)`,
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
