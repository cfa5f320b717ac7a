/**
 * Issue 19's "Done when" as one command: runs a list of cells (bench/grid-cells.ts) with the
 * fleet benchmark's machinery and prints, per cell, each policy's games per dollar, its shares of
 * the ceiling oracle and of the bound, its producing share, and vastfleet's verdicts.
 *
 *   npm run bench:grid -- --seeds 1-48 --cells all|targets|grid[,hours=8,duds=0.35,bounce=off,signal=strong,name=…] [--json] [--jobs N]
 *
 * Knobs not set by a cell (cap, bids, speed spread, renters) come from bench:fleet's flags.
 * @module
 */
import { cellOfFlags, flag, has, jobsFor, jsonLine, producingShare, runSeeds, seedsOf, summarize } from "./fleet-run";
import type { Cell } from "./fleet-sim";
import { mean } from "./harness";
import { cellsOf, verdicts, type Verdict } from "./grid-cells";

const seedSpec = flag("seeds", "BENCH_SEEDS", "1-48");
const seeds = seedsOf(seedSpec);
const cells = cellsOf(flag("cells", "BENCH_CELLS", "all"));
const base = cellOfFlags();
const jobs = jobsFor(seeds.length);
const json = has("json");
const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
const TITLES: Record<Verdict["check"], string> = {
  oracle: "of the ceiling oracle",
  bound: "of the hindsight bound",
  original: "of the original's games per dollar",
  delivery: "of the target's worker-hours producing",
};

const started = performance.now();
let failed = 0;
for (const g of cells) {
  const cell: Cell = { ...base, hours: g.hours, duds: g.duds, bounce: g.bounce, warmH: g.warmH, reliabilitySignal: g.reliabilitySignal };
  const t0 = performance.now();
  const results = await runSeeds(seeds, cell, jobs);
  const wallS = (performance.now() - t0) / 1000;
  const summaries = summarize(results, cell.policies);
  const vastfleet = summaries.find((s) => s.policy === "vastfleet");
  const original = summaries.find((s) => s.policy === "original");
  const checks = vastfleet
    ? verdicts(g, {
        vastfleet: {
          gamesPerDollar: vastfleet.gamesPerDollar,
          ofOracle: vastfleet.ofOracle.length > 0 ? mean(vastfleet.ofOracle) : null,
          ofBound: mean(vastfleet.ofBound),
          producingShare: producingShare(vastfleet),
        },
        original: original ? { gamesPerDollar: original.gamesPerDollar } : null,
      })
    : [];
  failed += checks.filter((v) => !v.ok).length;
  if (json) {
    for (const s of summaries)
      console.log(
        JSON.stringify({
          cell: g.name,
          ...jsonLine(s, summaries, cell, seedSpec, { wallS, jobs }),
          ...(s === vastfleet ? { checks } : {}),
        }),
      );
    continue;
  }
  console.log(
    `\n${g.name}: ${g.hours} h, ${pct(g.duds)} duds, market memory ${g.bounce ? "on" : "off"}, reliability signal ${g.reliabilitySignal}, ${g.warmH} h idle first, seeds ${seedSpec} (${wallS.toFixed(0)} s wall)`,
  );
  console.log(
    `  ${"policy".padEnd(14)}${"K games/$".padStart(10)}${"of oracle".padStart(11)}${"of bound".padStart(10)}${"producing".padStart(11)}`,
  );
  for (const s of summaries)
    console.log(
      `  ${s.policy.padEnd(14)}${(s.gamesPerDollar / 1000).toFixed(1).padStart(10)}${pct(s.ofOracle.length > 0 ? mean(s.ofOracle) : null).padStart(11)}${pct(mean(s.ofBound)).padStart(10)}${pct(producingShare(s)).padStart(11)}`,
    );
  for (const v of checks) console.log(`  vastfleet ${pct(v.value)} ${TITLES[v.check]}, target ≥ ${pct(v.target)}: ${v.ok ? "ok" : "FAIL"}`);
}
if (!json)
  console.log(
    `\n${cells.length} cells, ${seeds.length} seeds each, in ${((performance.now() - started) / 1000).toFixed(0)} s wall, ${jobs} processes: ${failed === 0 ? "every verdict ok" : `${failed} verdict(s) FAIL`}`,
  );
