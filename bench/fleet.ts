/**
 * Fleet simulation benchmark (issue: spend less per game). Eight simulated hours, four workers, the
 * simulator's market and dud-host rates calibrated to the runbook, several seeds. Compares:
 *  (a) the original scripts' policy: cheapest offer under the cap, the runbook's trigger table, no
 *      memory of hosts, no stall detection, polls every 60 s for 30 min then every 600 s
 *      (vast_monitor.sh), and
 *  (b) vastfleet: value-ranked offers, host reputation, stall detection, trading up, 60 s ticks,
 * against the bound: every worker on the best-value healthy offer, with no downtime.
 *
 * Both run the product's real pass code against the simulator; (a) is the same code configured to
 * behave like the scripts, which flatters (a): its classifier is ours, not the scripts' grep rules.
 */
import { DEFAULTS, type FleetConfig } from "../src/config/fleet";
import { runPass } from "../src/reconcile/pass";
import { emptyState, type FleetState } from "../src/reconcile/state";
import { priceAt } from "../src/sim/catalog";
import { batchesDone, GAMES_PER_BATCH, milestones } from "../src/sim/lifecycle";
import { mean, memoryFirstSeen, simRig, spread } from "./harness";

const HOURS = Number(process.env.BENCH_HOURS ?? 8);
const WORKERS = 4;
const SEEDS = (process.env.BENCH_SEEDS ?? "1,2,3,4,5,6").split(",").map(Number);
const STEP_S = 60;

interface Policy {
  name: string;
  config: FleetConfig;
  /** Seconds between passes at a given elapsed time. */
  interval: (elapsedS: number) => number;
  forgetHosts: boolean;
  offerPolicy: "value" | "cheapest";
}

const vastfleet: Policy = {
  name: "vastfleet",
  config: { ...DEFAULTS, workers: WORKERS },
  interval: () => 60,
  forgetHosts: false,
  offerPolicy: "value",
};

const original: Policy = {
  name: "original scripts",
  config: {
    ...DEFAULTS,
    workers: WORKERS,
    stallTimeoutS: 86_400, // no stall detection: a batch line in the tail meant OK forever
    maxConcurrentUpgrades: 0,
    breakerLaunchFailures: 100,
    maxLaunchesPerHour: 1000,
  },
  interval: (elapsed) => (elapsed < 1800 ? 60 : 600),
  forgetHosts: true,
  offerPolicy: "cheapest",
};

interface Result {
  games: number;
  dollars: number;
  gamesPerDollar: number;
  lostHours: number;
  replacements: number;
  boundGamesPerDollar: number;
  boundGames: number;
}

async function run(policy: Policy, seed: number): Promise<Result> {
  const rig = simRig(seed);
  const { market } = rig;
  const start = rig.now();
  const credit0 = market.state.credit;

  // The bound: the best-value healthy machines at the start, running the whole time.
  const best = market.state.machines
    .filter((m) => m.offerId !== null && m.fault === null && policy.config.gpus.includes(m.gpuName) && priceAt(m, start) <= policy.config.maxDph)
    .map((m) => ({ rate: m.gamesPerSec, dph: priceAt(m, start) }))
    .sort((a, b) => b.rate / b.dph - a.rate / a.dph)
    .slice(0, WORKERS);
  const boundGames = best.reduce((s, m) => s + m.rate * HOURS * 3600, 0);
  const boundDollars = best.reduce((s, m) => s + m.dph * HOURS, 0);

  let state: FleetState = emptyState();
  const firstSeen = memoryFirstSeen();
  const games = new Map<number, number>();
  const life = new Map<number, { first: number; last: number; faulty: boolean }>();
  let replacements = 0;
  let nextPass = start;

  for (let t = 0; t <= HOURS * 3600; t += STEP_S) {
    const now = rig.now();
    if (now >= nextPass) {
      if (policy.forgetHosts) state = { ...state, hosts: {}, gpuRamFloor: {} };
      const out = await runPass("bench", policy.config, state, { vast: rig.vast, firstSeen, hfToken: "hf_bench", now, checkFence: () => {} }, { policy: policy.offerPolicy });
      state = out.state;
      replacements += out.report.actions.filter((a) => a.kind === "destroy" && a.ok && a.cause !== "scale_down" && a.cause !== "upgrade_done").length;
      nextPass = now + policy.interval((now - start) / 1000) * 1000;
    }
    for (const inst of market.state.instances) {
      const done = batchesDone(inst, milestones(inst), now);
      games.set(inst.id, Math.max(games.get(inst.id) ?? 0, done * GAMES_PER_BATCH));
      const l = life.get(inst.id) ?? { first: now, last: now, faulty: inst.fault !== null };
      l.last = now;
      life.set(inst.id, l);
    }
    rig.advance(STEP_S);
  }
  rig.now();
  market.handle(new Request("http://vast-simulator/__sim/clock"), 0); // bills up to the end
  const dollars = credit0 - market.state.credit;
  const total = [...games.values()].reduce((a, b) => a + b, 0);
  const lostHours = [...life.values()].filter((l) => l.faulty).reduce((s, l) => s + (l.last - l.first) / 3_600_000, 0);
  return {
    games: total,
    dollars,
    gamesPerDollar: total / dollars,
    lostHours,
    replacements,
    boundGamesPerDollar: boundGames / boundDollars,
    boundGames,
  };
}

function row(name: string, rs: Result[]): string {
  const f = (xs: number[], d = 0) => `${mean(xs).toFixed(d)} ± ${spread(xs).toFixed(d)}`;
  return [
    name.padEnd(18),
    f(rs.map((r) => r.games)).padStart(18),
    f(rs.map((r) => r.dollars), 3).padStart(16),
    f(rs.map((r) => r.gamesPerDollar / 1000), 1).padStart(16),
    f(rs.map((r) => r.lostHours), 2).padStart(14),
    f(rs.map((r) => r.replacements), 1).padStart(12),
  ].join(" ");
}

const results: Record<string, Result[]> = { original: [], vastfleet: [] };
for (const seed of SEEDS) {
  results.original!.push(await run(original, seed));
  results.vastfleet!.push(await run(vastfleet, seed));
}

console.log(`\nFleet simulation: ${HOURS} simulated hours, ${WORKERS} workers, seeds ${SEEDS.join(",")} (mean ± sd)`);
console.log(["policy".padEnd(18), "games".padStart(18), "dollars".padStart(16), "K games/$".padStart(16), "lost w-hours".padStart(14), "replaced".padStart(12)].join(" "));
console.log(row("original scripts", results.original!));
console.log(row("vastfleet", results.vastfleet!));
const bound = results.vastfleet!.map((r) => r.boundGamesPerDollar / 1000);
console.log(`${"bound".padEnd(18)} ${`${mean(results.vastfleet!.map((r) => r.boundGames)).toFixed(0)}`.padStart(18)} ${"".padStart(16)} ${`${mean(bound).toFixed(1)} ± ${spread(bound).toFixed(1)}`.padStart(16)}`);
const gain = SEEDS.map((_: number, i: number) => results.vastfleet![i]!.gamesPerDollar / results.original![i]!.gamesPerDollar - 1);
const ofBound = SEEDS.map((_: number, i: number) => results.vastfleet![i]!.gamesPerDollar / results.vastfleet![i]!.boundGamesPerDollar);
console.log(`vastfleet vs original: ${(mean(gain) * 100).toFixed(1)}% more games per dollar (min ${(Math.min(...gain) * 100).toFixed(1)}%)`);
console.log(`vastfleet vs bound: ${(mean(ofBound) * 100).toFixed(1)}% of the bound's games per dollar (min ${(Math.min(...ofBound) * 100).toFixed(1)}%)`);
if (process.env.BENCH_VERBOSE) for (const [i, s] of SEEDS.entries()) console.log(s, JSON.stringify(results.original![i]), JSON.stringify(results.vastfleet![i]));
