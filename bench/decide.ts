/**
 * Cost of one reconcile pass: CPU time of the pure core (parse logs + classify + plan) for 4, 100 and
 * 1,000 workers with 50-line logs, and the subrequests a real pass makes for 4, 20 and 100 workers
 * against the simulator. The pure core is a small part of a pass's CPU: bench/pass.ts measures a
 * whole pass (decoding, search, ranking, state), the figure the README's plan arithmetic uses.
 */
import { DEFAULTS, labelFor } from "../src/config/fleet";
import { classify } from "../src/reconcile/classify";
import { parseLogs } from "../src/reconcile/logs";
import { plan, workerOf, type Worker } from "../src/reconcile/plan";
import { runPass } from "../src/reconcile/pass";
import { emptyState, type FleetState } from "../src/reconcile/state";
import { FAULT_KINDS } from "../src/sim/types";
import { Instance } from "../src/vast/schemas";
import { memoryFirstSeen, simRig } from "./harness";

function healthyLog(slot: number, batch: number): string {
  const lines = [];
  for (let b = batch - 40; b <= batch; b++) {
    lines.push(`[worker-vast-${slot}] batch ${b}: 7168 examples, 4.1 games/s, step=${142 + b}, total_games=${b * 256}`);
    if (b % 4 === 0) lines.push(`[worker-vast-${slot}] Uploading 4 batches to HF...`, `[worker-vast-${slot}] Upload complete (4 batches)`);
  }
  return lines.slice(-50).join("\n");
}

function fleetOf(n: number) {
  const now = Date.UTC(2026, 10, 29, 12);
  const instances = Array.from({ length: n }, (_, slot) =>
    Instance.parse({
      id: 27_000_000 + slot,
      label: labelFor("zeb", slot),
      actual_status: "running",
      intended_status: "running",
      machine_id: 10_000 + slot,
      gpu_name: "RTX 3060 Ti",
      gpu_ram: 8192,
      dph_total: 0.055,
      start_date: now / 1000 - 3600,
      ssh_host: "ssh5.vast.ai",
      ssh_port: 20_000 + slot,
    }),
  );
  const logs = instances.map((_, slot) => healthyLog(slot, 100 + slot));
  return { now, instances, logs };
}

function cpuPerPass(n: number, reps: number): number {
  const { now, instances, logs } = fleetOf(n);
  const config = { ...DEFAULTS, workers: n, maxWorkers: Math.max(n, 1), uploadInterval: Math.max(240, Math.ceil((n * 3600) / 100)) };
  let state: FleetState = emptyState();
  const started = performance.now();
  for (let r = 0; r < reps; r++) {
    const workers: Worker[] = instances.map((instance, i) => {
      const c = classify(instance, parseLogs(logs[i]!), state.instances[String(instance.id)], now, config.stallTimeoutS);
      return workerOf(instance, i, c, now - 600_000);
    });
    const decided = plan({ fleet: "zeb", config, state: { ...state, lastMarketScanAt: now }, now, workers, offers: null });
    if (decided.actions.length > 0) throw new Error(`a healthy fleet planned ${decided.actions.length} actions`);
    state = {
      ...state,
      instances: Object.fromEntries(
        instances.map((inst, i) => [String(inst.id), classify(inst, parseLogs(logs[i]!), undefined, now, 600).memory]),
      ),
    };
  }
  return (performance.now() - started) / reps;
}

async function subrequestsPerPass(n: number): Promise<{ growing: number; steady: number; held: number }> {
  const rig = simRig(7);
  await rig.market.handle(
    new Request("http://vast-simulator/__sim/control", {
      method: "POST",
      body: JSON.stringify({ faultRates: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) }),
    }),
    0,
  );
  const config = {
    ...DEFAULTS,
    workers: n,
    maxWorkers: n,
    maxLaunchesPerPass: n,
    maxLaunchesPerHour: 10 * n,
    maxDph: 0.5,
    uploadInterval: Math.max(240, Math.ceil((n * 3600) / 100)),
  };
  let state = emptyState();
  const firstSeen = memoryFirstSeen();
  let growing = 0;
  let steady = 0;
  let held = 0;
  for (let pass = 0; pass < 30; pass++) {
    const before = rig.requests();
    const out = await runPass("zeb", config, state, {
      vast: rig.vast,
      firstSeen,
      hfToken: "hf_x",
      now: rig.now(),
      journal: () => {},
      vastRequests: rig.requests,
    });
    state = out.state;
    if (pass === 0) growing = rig.requests() - before;
    steady = rig.requests() - before;
    held = out.report.workers.length;
    rig.advance(60);
  }
  return { growing, steady, held };
}

console.log("\nCPU per pass, pure core (parse 50-line logs + classify + plan), Node/V8:");
for (const [n, reps] of [
  [4, 2000],
  [100, 200],
  [1000, 20],
] as const) {
  console.log(`  ${String(n).padStart(5)} workers: ${cpuPerPass(n, reps).toFixed(3)} ms`);
}

console.log(
  "\nVast API subrequests per pass against the simulator (1 per list page, 3 per log fetch: request, one not-ready poll, the text; + search/create/destroy):",
);
for (const n of [4, 20, 100]) {
  const s = await subrequestsPerPass(n);
  // The simulated market may not hold n machines free at once (other renters); say how many were held.
  console.log(
    `  ${String(n).padStart(5)} workers wanted, ${String(s.held).padStart(3)} held: first pass ${s.growing}, steady state ${s.steady}`,
  );
}
