#!/usr/bin/env node
// Scale-out benchmark: 10 fleets with a target of 50 workers each, created through PUT /fleets/:fleet
// against `wrangler dev` + the embedded simulator, filled by cron ticks, then one tick measured:
// every fleet's pass runs in its own Durable Object (fan-out from the cron); we print the wall time
// until all 10 have a new pass and each pass's subrequests against the plan limits. Bounded.
import { pathToFileURL } from "node:url";
import { req, startWrangler, tick } from "./load.mjs";

const FLEETS = 10;
const TARGET = 50;
const PAID_SUBREQUESTS = 10_000;
const FREE_SUBREQUESTS = 50;
const HARD_TIMEOUT_MS = 8 * 60_000;
const FILL_MS = 90_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function statuses(base) {
  const r = await req(base, "/status");
  return JSON.parse(r.text).fleets;
}

async function main() {
  const hard = setTimeout(() => {
    console.error(`scale: hard timeout after ${HARD_TIMEOUT_MS / 1000}s`);
    process.exit(2);
  }, HARD_TIMEOUT_MS);
  // 200 simulated seconds per real second: boots and setups take seconds, not minutes.
  const w = await startWrangler({ speed: 200 });
  try {
    // A market ten times the calibrated one (machines, listings and other renters alike), with no
    // dud hosts: the benchmark measures the keeper at 500 instances, not the market's luck.
    const reset = await req(w.base, "/__sim/reset", "POST", { seed: 11, marketScale: 10, speed: 200, credit: 1_000_000 });
    if (reset.status !== 200) throw new Error(`/__sim/reset: ${reset.status} ${reset.text}`);
    const noDuds = {
      stuck_boot: 0,
      no_cuda: 0,
      oom: 0,
      crash: 0,
      stall: 0,
      hf_auth: 0,
      launch_broken: 0,
      oci_error: 0,
      offline: 0,
      slow_setup: 0,
    };
    const calm = await req(w.base, "/__sim/control", "POST", { faultRates: noDuds });
    if (calm.status !== 200) throw new Error(`/__sim/control: ${calm.status} ${calm.text}`);
    const base = JSON.parse((await req(w.base, "/fleets/zeb")).text).config;
    const names = Array.from({ length: FLEETS }, (_, i) => `scale-${String(i).padStart(2, "0")}`);
    for (const name of names) {
      const config = {
        ...base,
        workers: TARGET,
        maxWorkers: TARGET,
        // 50 uploaders every 1800 s stay within Hugging Face's commit budget (minUploadInterval(50)).
        uploadInterval: 1800,
        maxLaunchesPerPass: TARGET,
        maxLaunchesPerHour: 1000,
        maxDph: 10,
        gpus: [
          ...new Set([
            ...base.gpus,
            "RTX 3090 Ti",
            "RTX 4060",
            "RTX 4060 Ti",
            "RTX 4070",
            "RTX 4070 Ti",
            "RTX 4080",
            "RTX 4090",
            "RTX A4000",
            "RTX A5000",
          ]),
        ],
      };
      const r = await req(w.base, `/fleets/${name}`, "PUT", config);
      if (r.status !== 200) throw new Error(`PUT /fleets/${name}: ${r.status} ${r.text}`);
    }

    // Fill: tick until the fleets stop growing (or the fill budget is spent).
    const t0 = Date.now();
    let best = 0;
    let flat = 0;
    while (Date.now() - t0 < FILL_MS && flat < 8) {
      await tick(w.base);
      await sleep(1000);
      const total = (await statuses(w.base)).filter((f) => names.includes(f.fleet)).reduce((s, f) => s + f.instances.length, 0);
      flat = total > best ? 0 : flat + 1;
      best = Math.max(best, total);
    }
    const before = (await statuses(w.base)).filter((f) => names.includes(f.fleet));
    const held = [...new Set(before.flatMap((f) => f.lastPass?.held ?? []).map((h) => h.replace(/\d+ slot\(s\)/, "N slot(s)")))];
    console.log(
      `\nscale: filled for ${((Date.now() - t0) / 1000).toFixed(0)} s: ${best} instances across ${FLEETS} fleets (target ${FLEETS * TARGET})`,
    );
    if (best < FLEETS * TARGET)
      console.log(`  the simulated market is the limit, not the keeper: ${held.slice(0, 3).join(" | ") || "(no hold reported)"}`);

    // One measured tick: wait until every fleet has recorded a new pass.
    const lastAt = new Map(before.map((f) => [f.fleet, f.lastPass?.at ?? 0]));
    const start = performance.now();
    await tick(w.base);
    let after = [];
    while (performance.now() - start < 120_000) {
      after = (await statuses(w.base)).filter((f) => names.includes(f.fleet));
      if (after.every((f) => (f.lastPass?.at ?? 0) !== lastAt.get(f.fleet))) break;
      await sleep(50);
    }
    const wall = performance.now() - start;
    const done = after.filter((f) => (f.lastPass?.at ?? 0) !== lastAt.get(f.fleet));
    console.log(
      `one cron tick: ${done.length}/${FLEETS} fleets finished a pass in ${(wall / 1000).toFixed(2)} s wall time (fan-out: one Durable Object per fleet)`,
    );
    console.log("fleet        instances  subrequests  paid limit  free limit");
    let worst = 0;
    for (const f of after) {
      const sub = f.lastPass?.subrequests ?? 0;
      worst = Math.max(worst, sub);
      console.log(
        `${f.fleet.padEnd(12)} ${String(f.instances.length).padStart(9)} ${String(sub).padStart(12)}  ${sub <= PAID_SUBREQUESTS ? "within" : "OVER"}      ${sub <= FREE_SUBREQUESTS ? "within" : "over"}`,
      );
    }
    const perWorker =
      after.reduce((s, f) => s + (f.lastPass?.subrequests ?? 0), 0) /
      Math.max(
        1,
        after.reduce((s, f) => s + f.instances.length, 0),
      );
    console.log(
      `max subrequests per fleet pass: ${worst} (Workers Paid allows ${PAID_SUBREQUESTS}, Free ${FREE_SUBREQUESTS}); ~${perWorker.toFixed(1)} per instance`,
    );
    const ok = done.length === FLEETS && worst <= PAID_SUBREQUESTS;
    console.log(ok ? "scale: OK" : "scale: FAILED");
    process.exitCode = ok ? 0 : 1;
  } finally {
    w.stop();
    clearTimeout(hard);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
