import { afterEach, describe, expect, it } from "vitest";
import {
  actionEvents,
  control,
  fleet,
  fleetState,
  marketState,
  owned,
  resetMarket,
  run,
  scale,
  simState,
  slots,
  startFleet,
  stopFleet,
  TICK_S,
  until,
} from "./harness";
import { DEFAULTS } from "../../src/config/fleet";
import { LAUNCH_BROKEN_LINES } from "../../src/reconcile/logs";
import { batchEndMs, type Milestones, milestones } from "../../src/sim/lifecycle";
import type { FaultKind, SimInstance } from "../../src/sim/types";

/**
 * Issue 3 "Done when": each fault kind of the simulator is detected and replaced within its
 * timeout plus one tick. A 1-worker fleet gets the fault forced on its first instance; the fault's
 * onset comes from the simulator's own timeline (the milestones its statuses and logs derive
 * from), and the destroy must come no later than the first tick that could see the fault, plus
 * the timeout that applies, plus one tick.
 */

type Remedy = "dead" | "fatal" | "boot" | "setup" | "hopeless" | "stall";

interface Row {
  kind: Exclude<FaultKind, "hf_auth">;
  seed: number;
  remedy: Remedy;
  /** Sim ms the fault became visible through Vast (status or logs). */
  onset: (inst: SimInstance, m: Milestones) => number;
  /** Words of the destroy event's reason. */
  reason: RegExp;
  /** What the fleet must have learnt about the host or GPU model. */
  lesson: "strike" | "block" | "floor";
  /** Simulated minutes to wait for the destroy. */
  within: number;
}

const TIMEOUT_S: Record<Remedy, number> = {
  dead: 0,
  // A fatal line in the logs of a running instance gets the grace to be followed by progress.
  fatal: DEFAULTS.errGraceS,
  boot: DEFAULTS.bootTimeoutS,
  setup: DEFAULTS.setupTimeoutS,
  // A worker that never started and cannot (no GPU, a launch the shell cannot run) gets no grace.
  hopeless: 0,
  stall: DEFAULTS.stallTimeoutS,
};

const S = 1000;
const crashAt = (_i: SimInstance, m: Milestones) => m.crash?.ms ?? Number.NaN;

const ROWS: Row[] = [
  // Never gets a container: judged from Vast's start_date, the floor of its age.
  { kind: "stuck_boot", seed: 101, remedy: "boot", onset: (i) => i.createdMs, reason: /no container after/, lesson: "strike", within: 20 },
  // With runtype ssh the instance stays running when the script or the worker dies (Vast's SSH
  // entrypoint runs the onstart): only the logs tell. The onstart's GPU check fails and the script
  // stops there, before the worker ever started.
  {
    kind: "no_cuda",
    seed: 102,
    remedy: "hopeless",
    onset: (_i, m) => m.endMs ?? Number.NaN,
    reason: /fatal before its first batch, no grace.*No CUDA/,
    lesson: "block",
    within: 20,
  },
  { kind: "oom", seed: 103, remedy: "fatal", onset: crashAt, reason: /fatal for .*out of memory/i, lesson: "floor", within: 40 },
  { kind: "crash", seed: 104, remedy: "fatal", onset: crashAt, reason: /fatal for .*Error/, lesson: "strike", within: 60 },
  // The last batch line is the onset: the batch number never changes again.
  {
    kind: "stall",
    seed: 105,
    remedy: "stall",
    onset: (i, m) => batchEndMs(i, m, m.lastBatch),
    reason: /stalled/,
    lesson: "strike",
    within: 60,
  },
  // Fatal only in bulk: the LAUNCH_BROKEN_LINES-th shell error (the sim prints one every 4 s from running + 1 s).
  {
    kind: "launch_broken",
    seed: 106,
    remedy: "hopeless",
    onset: (_i, m) => m.runningMs + (1 + 4 * (LAUNCH_BROKEN_LINES - 1)) * S,
    reason: /fatal before its first batch, no grace/,
    lesson: "strike",
    within: 25,
  },
  // Vast abandons the boot: `created` with intended_status stopped.
  {
    kind: "oci_error",
    seed: 107,
    remedy: "dead",
    onset: (_i, m) => m.abandonedMs ?? Number.NaN,
    reason: /boot abandoned/,
    lesson: "strike",
    within: 10,
  },
  // Heartbeats stop: `unknown`, then `offline`.
  {
    kind: "offline",
    seed: 108,
    remedy: "dead",
    onset: (_i, m) => m.unknownMs ?? Number.NaN,
    reason: /dead \(Vast status (unknown|offline)/,
    lesson: "strike",
    within: 80,
  },
  // Setup hangs after "repo cloned": the SETUP clock runs from the container's start (first logs).
  { kind: "slow_setup", seed: 109, remedy: "setup", onset: (_i, m) => m.runningMs, reason: /stuck in setup/, lesson: "strike", within: 25 },
];

let current: string | null = null;
afterEach(async () => {
  if (current) await stopFleet(current);
  current = null;
});

const measured: string[] = [];

describe("each simulator fault is detected and replaced within its timeout plus one tick", () => {
  it.each(ROWS)("$kind → $remedy", { timeout: 120_000 }, async (row) => {
    const name = `f-${row.kind.replace(/_/g, "-")}`;
    current = name;
    await resetMarket(row.seed);
    await control({ forceFault: { next: row.kind } });
    // Image pulls on slow links can take longer than the boot timeout (sim: 24,000 Mbit at 30-70% of
    // 80-2500 Mbps); except for stuck_boot itself, a boot timeout would hide the fault under test.
    // Upgrades are off too: a make-before-break trade could take the faulty worker away first.
    // A cap with room: once the faulty host is blocked, the replacement must find another offer at once.
    await startFleet(
      name,
      1,
      row.remedy === "boot" ? { maxConcurrentUpgrades: 0, maxDph: 0.5 } : { bootTimeoutS: 1800, maxConcurrentUpgrades: 0, maxDph: 0.5 },
    );

    // Another renter may take the chosen offer first (no_such_ask): the next pass launches then.
    if (owned(await simState(), name).length !== 1) await until(5, async () => owned(await simState(), name).length === 1, "first launch");
    const first = owned(await simState(), name);
    expect(first).toHaveLength(1);
    const victim = first[0]!;
    expect(victim.fault).toBe(row.kind);
    const inst = (await marketState()).instances.find((i) => i.id === victim.id)!;
    const launchedAt = inst.createdMs;
    const onset = row.onset(inst, milestones(inst));
    expect(Number.isFinite(onset)).toBe(true);

    const destroyedAt = await until(
      row.within,
      async () => (await actionEvents(name)).some((e) => e.action === "destroy" && e.instanceId === victim.id),
      `destroy of ${row.kind} instance`,
    );
    const destroy = (await actionEvents(name)).find((e) => e.action === "destroy" && e.instanceId === victim.id)!;
    expect(destroy.at).toBe(destroyedAt);
    expect(destroy.ok).toBe(true);
    expect(destroy.reason).toMatch(row.reason);

    // Ticks run every TICK_S from the launch; the first that can see the fault is the first at or after its onset.
    const firstVisibleTick = launchedAt + Math.ceil((onset - launchedAt) / (TICK_S * S)) * TICK_S * S;
    const timeout = TIMEOUT_S[row.remedy];
    expect(destroy.at).toBeGreaterThanOrEqual(firstVisibleTick);
    expect(destroy.at).toBeLessThanOrEqual(firstVisibleTick + (timeout + TICK_S) * S);
    measured.push(
      `${row.kind.padEnd(13)} timeout ${String(timeout).padStart(3)}s  onset→destroy ${((destroy.at - onset) / S).toFixed(0).padStart(4)}s  first visible tick→destroy ${((destroy.at - firstVisibleTick) / S).toFixed(0).padStart(4)}s (bound ${timeout + TICK_S}s)`,
    );

    // What the fleet learnt about the host or the GPU model.
    const state = await fleetState(name);
    const hostRecord = state.hosts[String(victim.machine_id)];
    if (row.lesson === "floor") {
      expect(state.vramFloorMb).toBeGreaterThan(inst.gpuRamMb);
    } else {
      expect(hostRecord?.strikes ?? 0).toBeGreaterThan(0);
      if (row.lesson === "block") expect(hostRecord?.blockedReason).toMatch(/No CUDA/);
    }

    // Replaced: the slot is relaunched in the same pass and the replacement reaches RUNNING.
    await run(1);
    const relaunch = (await actionEvents(name)).find((e) => e.action === "launch" && e.ok && e.at >= destroy.at);
    // Same pass as the destroy, or the next one if another renter took the offer first.
    expect(relaunch?.at).toBeLessThanOrEqual(destroy.at + TICK_S * S);
    expect(relaunch?.label).toBe(`${name}-worker-vast-0`);
    await until(
      30,
      async () => (await fleet(name).status(name)).instances.some((i) => i.id === relaunch?.instanceId && i.phase === "RUNNING"),
      "replacement RUNNING",
    );
    const after = owned(await simState(), name);
    expect(after.map((i) => i.id)).toEqual([relaunch?.instanceId]);
    if (row.lesson === "block") expect(after[0]?.machine_id).not.toBe(victim.machine_id);
  });

  it("prints the measured detection latencies", () => {
    console.log(`fault detection (simulated seconds):\n${measured.join("\n")}`);
    expect(measured.length).toBe(ROWS.length);
  });
});

describe("hf_auth is not churned: the worker is kept and launches are held", () => {
  it("keeps the worker whose uploads HF refuses, for an hour, and holds new launches", { timeout: 120_000 }, async () => {
    const name = "f-hf-auth";
    current = name;
    await resetMarket(111);
    await control({ forceFault: { next: "hf_auth" } });
    await startFleet(name, 1, { maxConcurrentUpgrades: 0 });
    const victim = owned(await simState(), name)[0]!;
    expect(victim.fault).toBe("hf_auth");
    const inst = (await marketState()).instances.find((i) => i.id === victim.id)!;
    // This seed draws the variant that keeps running with its uploads refused (the other dies at a weight sync).
    expect(inst.timeline.hfAuthCrashes).toBe(false);

    const seenAt = await until(
      30,
      async () => (await fleet(name).status(name)).instances.some((i) => i.hfAuthError),
      "HF auth error noticed",
    );
    await run(60);
    const acts = await actionEvents(name);
    expect(acts.filter((e) => e.action === "destroy")).toEqual([]);
    expect(acts.filter((e) => e.action === "launch")).toHaveLength(1);
    expect(owned(await simState(), name).map((i) => i.id)).toEqual([victim.id]);

    // A second slot would fail the same way: it is held, not launched, and the reason says so.
    await scale(name, 2);
    await run(5);
    expect(slots(owned(await simState(), name), name)).toEqual([0]);
    const s = await fleet(name).status(name);
    expect(s.lastPass?.held.join(" ")).toMatch(/Hugging Face/);
    expect((await actionEvents(name)).filter((e) => e.action === "launch")).toHaveLength(1);
    console.log(`hf_auth: noticed ${(seenAt - inst.createdMs) / S}s after launch; kept 65 min; second slot held`);
  });
});

describe("hf_auth on one host while another worker uploads with the same token", () => {
  it("replaces that worker once the other has uploaded through two upload intervals of its refusal, and keeps no hold", {
    timeout: 120_000,
  }, async () => {
    const name = "f-hf-host";
    current = name;
    await resetMarket(111);
    // The first worker is healthy and runs long enough to vouch for the token; the second is refused.
    await control({ forceFault: { next: "none" } });
    await startFleet(name, 1, { maxConcurrentUpgrades: 0 });
    await until(40, async () => (await fleet(name).status(name)).instances.some((i) => i.phase === "RUNNING"), "first worker running");
    await run(10);
    await control({ forceFault: { next: "hf_auth" } });
    await scale(name, 2);
    await run(1);
    const victim = owned(await simState(), name).find((i) => i.fault === "hf_auth");
    expect(victim).toBeDefined();

    await until(
      60,
      async () => (await actionEvents(name)).some((e) => e.action === "destroy" && e.instanceId === victim!.id),
      "refused worker destroyed",
    );
    await run(2);
    const acts = await actionEvents(name);
    // The variant that keeps running is replaced for the refusal; the one that dies, as dead.
    expect(acts.find((e) => e.action === "destroy")?.reason).toMatch(/refuses this host|dead/);
    expect(acts.filter((e) => e.action === "launch")).toHaveLength(3);
    const after = await fleetState(name);
    expect(after.hfAuthHold).toBeNull();
    // The refusal is the host's: it is not rented again.
    expect(after.hosts[String(victim!.machine_id)]?.blockedReason).toMatch(/Hugging Face refuses this host/);
    expect((await fleet(name).status(name)).lastPass?.held.join(" ") ?? "").not.toMatch(/Hugging Face/);
    expect(slots(owned(await simState(), name), name)).toEqual([0, 1]);
  });
});

describe("hf_auth, the variant that dies: the fleet remembers the token problem after the worker is gone", () => {
  it("holds launches after the dead worker is destroyed, until POST /resume", { timeout: 120_000 }, async () => {
    // The first seed whose hf_auth instance dies at a weight sync (a fixed property of the seed);
    // each try gets its own fleet so that the event counts below are this fleet's alone.
    let seed = 200;
    let name = "";
    for (; seed < 260; seed++) {
      name = `f-hf-dies-${seed}`;
      current = name;
      await resetMarket(seed);
      await control({ forceFault: { next: "hf_auth" } });
      await startFleet(name, 1, { maxConcurrentUpgrades: 0 });
      const victim = owned(await simState(), name)[0]!;
      if ((await marketState()).instances.find((i) => i.id === victim.id)?.timeline.hfAuthCrashes) break;
      await stopFleet(name);
    }
    expect(seed).toBeLessThan(260);
    await until(60, async () => (await actionEvents(name)).some((e) => e.action === "destroy"), "the dead worker destroyed");
    await run(30);
    expect((await actionEvents(name)).filter((e) => e.action === "launch")).toHaveLength(1);
    expect((await fleetState(name)).hfAuthHold).not.toBeNull();
    expect((await fleet(name).status(name)).lastPass?.held.join(" ")).toMatch(/Hugging Face rejected the token/);

    const resumed = await fleet(name).setPaused(name, false);
    expect(resumed.ok).toBe(true);
    await run(2);
    expect((await actionEvents(name)).filter((e) => e.action === "launch")).toHaveLength(2);
  });
});
