import { describe, expect, it } from "vitest";
import { DEFAULTS, labelFor, type FleetConfig } from "../../src/config/fleet";
import { plannedUploadInterval } from "../../src/config/uploads";
import { PROBE_INTERVAL_MS } from "../../src/reconcile/breaker";
import { classify } from "../../src/reconcile/classify";
import { FITS_AFTER_MS, oomFitsElsewhere } from "../../src/reconcile/learn";
import {
  plan,
  UPGRADE_MIN_RUNNING_MS,
  MARKET_SCAN_MS,
  workerOf,
  type DestroyCause,
  type PlanInput,
  type Worker,
} from "../../src/reconcile/plan";
import type { FleetState, LaunchRecord, PendingLaunch, Phase, Upgrade } from "../../src/reconcile/state";
import type { Offer } from "../../src/vast/schemas";
import {
  config,
  destroys,
  evidence,
  freshId,
  HOUR,
  input,
  instance,
  launches,
  memory,
  MIN,
  NOW,
  offer,
  S,
  state,
  worker,
  batch,
  FLEET,
} from "./fixtures";

const run = (over: Parameters<typeof input>[0] = {}) => plan(input(over));

/** n good offers (RTX 3060 Ti at $0.055, the runbook's best deal), one machine each. */
const offers = (n: number, over: Parameters<typeof offer>[0] = {}): Offer[] => Array.from({ length: n }, () => offer(over));

const pending = (slot: number, over: Partial<PendingLaunch> = {}): PendingLaunch => ({
  slot,
  instanceId: freshId(),
  offerId: freshId(),
  machineId: freshId(),
  gpuName: "RTX 3060 Ti",
  dph: 0.055,
  at: NOW - MIN,
  upgradeOf: null,
  reason: "",
  ...over,
});

const launchedAt = (n: number, at: number): LaunchRecord[] => Array.from({ length: n }, () => ({ at, ok: true }));

describe("plan: the runbook's replacement triggers (strict: act only when time-in-phase > timeout)", () => {
  const rows: [Phase, keyof FleetConfig, number, DestroyCause][] = [
    ["FATAL", "errGraceS", 300, "fatal"],
    ["SETUP", "setupTimeoutS", 600, "setup_timeout"],
    ["BOOT", "bootTimeoutS", 600, "boot_timeout"],
    ["WAIT", "waitTimeoutS", 900, "wait_timeout"],
  ];
  /** Each timeout one second short of, at, and one second past its limit: only past it acts. */
  const table = rows.flatMap(([phase, key, timeout, cause]) =>
    [-1, 0, 1].map((d) => ({
      name: `${phase} ${key}=${timeout}s, in phase ${timeout + d}s`,
      phase,
      inPhaseS: timeout + d,
      cause,
      acts: d > 0,
    })),
  );

  it("the defaults are the runbook's timeouts", () => {
    for (const [, key, timeout] of rows) expect(DEFAULTS[key]).toBe(timeout);
    expect(DEFAULTS.stallTimeoutS).toBe(600);
  });

  it.each(table)("$name → destroyed: $acts", ({ phase, inPhaseS, cause, acts }) => {
    const w = worker({ phase, since: NOW - inPhaseS * S });
    const p = run({ config: config({ workers: 1 }), workers: [w] });
    const gone = destroys(p.actions);
    if (acts) {
      expect(gone).toHaveLength(1);
      expect(gone[0]).toMatchObject({ instanceId: w.instance.id, cause, phase, slot: 0 });
      // Destroy + respawn: the slot is wanted again in the same pass.
      expect(p.wantedSlots).toEqual([0]);
      expect(p.wantsOffers).toBe(true);
    } else {
      expect(gone).toEqual([]);
      expect(p.wantedSlots).toEqual([]);
    }
  });

  // errGraceS lets a traceback be followed by progress; a worker that never started and cannot
  // (no GPU, a launch command the shell cannot run) goes at once.
  it.each<[string, Parameters<typeof worker>[0], boolean]>([
    ["No CUDA before its first batch", { fatalKind: "no_cuda" }, true],
    ["a broken launch (shell errors, never started)", { fatalKind: "launch_broken" }, true],
    ["a traceback before its first batch", { fatalKind: "traceback" }, false],
    ["CUDA out of memory before its first batch", { fatalKind: "oom" }, false],
    ["No CUDA in a worker that ran (a driver lost mid-run)", { fatalKind: "no_cuda", everRan: true }, false],
  ])("FATAL for 10 s, %s → destroyed before errGraceS: %s", (_name, over, acts) => {
    const w = worker({ phase: "FATAL", since: NOW - 10 * S, ...over });
    const p = run({ config: config({ workers: 1 }), workers: [w] });
    expect(destroys(p.actions)).toEqual(acts ? [expect.objectContaining({ instanceId: w.instance.id, cause: "fatal" })] : []);
  });

  it.each<[number, Phase, boolean]>([
    [599, "RUNNING", false],
    [600, "RUNNING", false],
    [601, "STALLED", true],
  ])("STALLED: batch unchanged for %ss since it last advanced → %s, destroyed: %s", (after, phase, acts) => {
    const advancedAt = NOW - after * S;
    const c = classify(
      instance(),
      evidence({ stage: "running", lastBatch: batch(5) }),
      memory({ lastBatch: 5, batchAdvancedAt: advancedAt }),
      NOW,
      DEFAULTS.stallTimeoutS,
    );
    expect(c.phase).toBe(phase);
    // Entering STALLED is itself the timeout, so the planner acts at once (time-in-phase 0).
    const w = worker({ phase: c.phase, since: NOW });
    const p = run({ config: config({ workers: 1 }), workers: [w] });
    expect(destroys(p.actions).map((a) => a.cause)).toEqual(acts ? ["stalled"] : []);
  });

  it.each<{ name: string; dph: number; cap: number; phase: Phase; fate: "kept" | "destroyed" | "traded" }>([
    { name: "below the cap → kept", dph: 0.089, cap: 0.09, phase: "RUNNING", fate: "kept" },
    { name: "at the cap → kept", dph: 0.09, cap: 0.09, phase: "RUNNING", fate: "kept" },
    { name: "over the cap while running → traded make before break", dph: 0.091, cap: 0.09, phase: "RUNNING", fate: "traded" },
    { name: "over the cap while booting → destroyed (it produces nothing yet)", dph: 0.12, cap: 0.09, phase: "BOOT", fate: "destroyed" },
    { name: "cap lowered while the worker runs → traded make before break", dph: 0.08, cap: 0.07, phase: "RUNNING", fate: "traded" },
  ])("over cost: $name ($dph an hour, cap $cap)", ({ dph, cap, phase, fate }) => {
    const w = worker({ phase, since: NOW, inst: { dph_total: dph } });
    const p = run({ config: config({ workers: 1, maxDph: cap }), workers: [w], state: state(), offers: offers(1, { dph_total: 0.05 }) });
    expect(destroys(p.actions).map((a) => a.cause)).toEqual(fate === "destroyed" ? ["over_cost"] : []);
    // A trade's new instance takes over the worker's slot; a destroyed worker's slot is refilled.
    expect(launches(p.actions).map((l) => l.upgradeOf)).toEqual({ kept: [], destroyed: [null], traded: [w.instance.id] }[fate]);
  });

  it.each<[string, Parameters<typeof instance>[0]]>([
    ["exited", { actual_status: "exited" }],
    ["offline", { actual_status: "offline" }],
    ["unknown", { actual_status: "unknown" }],
    ["stopped", { actual_status: "stopped", intended_status: "stopped" }],
    ["created + intended_status stopped", { actual_status: "created", intended_status: "stopped" }],
  ])("DEAD (%s) → destroyed immediately", (_name, over) => {
    const inst = instance({ label: labelFor(FLEET, 0), ...over });
    const c = classify(inst, undefined, undefined, NOW, DEFAULTS.stallTimeoutS);
    expect(c.phase).toBe("DEAD");
    const p = run({ config: config({ workers: 1 }), workers: [workerOf(inst, 0, c, NOW)] });
    expect(destroys(p.actions)).toMatchObject([{ instanceId: inst.id, cause: "dead" }]);
    expect(p.wantedSlots).toEqual([0]);
  });

  it("a RUNNING worker under the cap is never touched, however long it runs", () => {
    const p = run({ config: config({ workers: 1 }), workers: [worker({ since: NOW - 30 * 24 * HOUR })] });
    expect(p.actions).toEqual([]);
  });
});

describe("plan: replenish", () => {
  it("fills slots 0..11 exactly once from zero (target 12, over several passes with the launch caps)", () => {
    const cfg = config({ workers: 12 });
    let st = state({ lastMarketScanAt: NOW });
    const launched: number[] = [];
    for (let pass = 0; pass < 6; pass++) {
      const now = NOW + pass * MIN;
      const p = plan({ fleet: FLEET, config: cfg, state: st, now, workers: [], offers: offers(12) });
      const ls = launches(p.actions);
      expect(ls.length).toBeLessThanOrEqual(cfg.maxLaunchesPerPass);
      launched.push(...ls.map((l) => l.slot));
      st = {
        ...st,
        lastMarketScanAt: now,
        pendingLaunches: [
          ...st.pendingLaunches,
          ...ls.map((l) => pending(l.slot, { at: now, offerId: l.offer.id, machineId: l.offer.machine_id })),
        ],
        launches: [...st.launches, ...launchedAt(ls.length, now)],
      };
    }
    expect([...launched].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(launched.slice(0, 4)).toEqual([0, 1, 2, 3]);
  });

  it.each<[string, number[], number, number[]]>([
    ["empty fleet, target 3", [], 3, [0, 1, 2]],
    ["slots {0,5}, target 3 → fills 1 only", [0, 5], 3, [1]],
    ["slots {1,2}, target 3 → fills 0", [1, 2], 3, [0]],
    ["slot 10 and 11 exist, target 3 → fills 0 (no substring confusion)", [10, 11], 3, [0]],
    ["at target", [0, 1, 2], 3, []],
  ])("%s", (_name, slots, target, wanted) => {
    const p = run({ config: config({ workers: target }), workers: slots.map((slot) => worker({ slot })), offers: offers(5) });
    expect(p.wantedSlots).toEqual(wanted);
    expect(launches(p.actions).map((l) => [l.slot, l.label])).toEqual(wanted.map((s) => [s, labelFor(FLEET, s)]));
  });

  it("pending launches count toward the target: no double launch while a create is not yet listed", () => {
    const p = run({
      config: config({ workers: 2 }),
      workers: [worker({ slot: 0 })],
      state: state({ lastMarketScanAt: NOW, pendingLaunches: [pending(1)] }),
      offers: offers(3),
    });
    expect(p.actions).toEqual([]);
    expect(p.wantedSlots).toEqual([]);
    expect(p.wantsOffers).toBe(false);
  });

  it("a pending launch that is already listed counts once, not twice (no scale-down of the new worker)", () => {
    const fresh = worker({ slot: 1, phase: "BOOT", since: NOW });
    const st = state({ lastMarketScanAt: NOW, pendingLaunches: [pending(1, { instanceId: fresh.instance.id })] });
    const p = run({ config: config({ workers: 2 }), workers: [worker({ slot: 0 }), fresh], state: st, offers: offers(3) });
    expect(p.actions).toEqual([]);
  });
});

describe("plan: duplicates sharing a label", () => {
  // Each instance's phase and how long before NOW it started; `keep` is the survivor's index.
  it.each<{ name: string; group: { phase: Phase; agoS: number }[]; keep: number }>([
    {
      name: "two RUNNING: the oldest stays",
      group: [
        { phase: "RUNNING", agoS: 600 },
        { phase: "RUNNING", agoS: 3600 },
      ],
      keep: 1,
    },
    {
      name: "RUNNING beats an older BOOT",
      group: [
        { phase: "BOOT", agoS: 3600 },
        { phase: "RUNNING", agoS: 600 },
      ],
      keep: 1,
    },
    {
      name: "WAIT beats SETUP beats BOOT",
      group: [
        { phase: "BOOT", agoS: 60 },
        { phase: "WAIT", agoS: 30 },
        { phase: "SETUP", agoS: 90 },
      ],
      keep: 1,
    },
    {
      name: "three BOOT: the oldest stays",
      group: [
        { phase: "BOOT", agoS: 60 },
        { phase: "BOOT", agoS: 300 },
        { phase: "BOOT", agoS: 120 },
      ],
      keep: 1,
    },
  ])("$name", ({ group, keep }) => {
    const ws = group.map(({ phase, agoS }) => worker({ slot: 0, phase, since: NOW, inst: { start_date: (NOW - agoS * S) / 1000 } }));
    const p = run({ config: config({ workers: 1 }), workers: ws });
    const gone = destroys(p.actions);
    expect(gone.map((d) => d.cause)).toEqual(ws.map(() => "duplicate").slice(1));
    expect(gone.map((d) => d.instanceId).sort()).toEqual(
      ws
        .filter((_, i) => i !== keep)
        .map((w) => w.instance.id)
        .sort(),
    );
    expect(launches(p.actions)).toEqual([]);
  });
});

describe("plan: above target, the worst leave first", () => {
  const fatal = worker({ slot: 0, phase: "FATAL", since: NOW - 10 * S });
  const booting = worker({ slot: 1, phase: "BOOT", since: NOW - 10 * S });
  const pricey = worker({ slot: 2, inst: { gpu_name: "RTX 3060", dph_total: 0.083 } });
  const good = worker({ slot: 3, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });

  it.each<[number, string, Worker[]]>([
    [4, "nothing", []],
    [3, "the FATAL one", [fatal]],
    [2, "FATAL, then BOOT", [fatal, booting]],
    [1, "FATAL, BOOT, then the lower games/$ RUNNING", [fatal, booting, pricey]],
    [0, "all of them but the last running one, worst first: one running worker taken away per pass", [fatal, booting, pricey]],
  ])("target %i removes %s", (target, _what, gone) => {
    const p = run({ config: config({ workers: target }), workers: [good, pricey, booting, fatal] });
    expect(destroys(p.actions).map((d) => [d.instanceId, d.cause])).toEqual(gone.map((w) => [w.instance.id, "scale_down"]));
    expect(launches(p.actions)).toEqual([]);
  });

  it("the disruption budget is data: ZEB_MAX_DISRUPTIONS_PER_PASS=2 takes both running workers in one pass", () => {
    const p = run({ config: config({ workers: 0, maxDisruptionsPerPass: 2 }), workers: [good, pricey, booting, fatal] });
    expect(destroys(p.actions).map((d) => d.instanceId)).toEqual([fatal, booting, pricey, good].map((w) => w.instance.id));
  });

  it("what the budget holds back it says, and the next pass takes", () => {
    const first = run({ config: config({ workers: 0 }), workers: [good, pricey] });
    expect(destroys(first.actions).map((d) => d.instanceId)).toEqual([pricey.instance.id]);
    expect(first.held.join("\n")).toMatch(/at most 1 running worker\(s\) taken away per pass \(ZEB_MAX_DISRUPTIONS_PER_PASS\)/);
    const second = run({ config: config({ workers: 0 }), workers: [good] });
    expect(destroys(second.actions).map((d) => d.instanceId)).toEqual([good.instance.id]);
  });

  it("urgent causes never wait for the budget: three dead workers go in one pass", () => {
    const dead = [0, 1, 2].map((slot) => worker({ slot, phase: "DEAD", everRan: true }));
    expect(destroys(run({ config: config({ workers: 3 }), workers: dead }).actions).map((d) => d.cause)).toEqual(["dead", "dead", "dead"]);
  });

  // A running worker above target leaves after its upload while that upload is due: the batches
  // since its last one, at its rate, span a minute or more and less than an upload interval and a
  // minute (300 s).
  it.each<[string, Parameters<typeof worker>[0], boolean]>([
    ["just uploaded", { unsentBatches: 0 }, true],
    ["1 batch unsent at 4 games/s (64 s)", { unsentBatches: 1 }, false],
    ["1 batch unsent at 5 games/s (51 s: less than a pass since the upload)", { unsentBatches: 1, gamesPerSec: 5 }, true],
    ["2 batches unsent at 4 games/s (128 s)", { unsentBatches: 2 }, false],
    ["4 batches unsent at 4 games/s (256 s)", { unsentBatches: 4 }, false],
    ["5 batches unsent at 4 games/s (320 s: the upload is overdue)", { unsentBatches: 5 }, true],
    ["2 batches unsent at 1 games/s (512 s: overdue)", { unsentBatches: 2, gamesPerSec: 1 }, true],
    ["no upload in its logs to wait for (failing, unreadable)", { unsentBatches: null }, true],
    ["no games/s known", { unsentBatches: 2, gamesPerSec: null }, true],
    ["not running", { phase: "WAIT", since: NOW - MIN, unsentBatches: 2 }, true],
  ])("scale-down drain: the worker leaving has %s → destroyed now: %s", (_name, over, leaves) => {
    const leaving = worker({ slot: 1, inst: { gpu_name: "RTX 3060", dph_total: 0.083 }, ...over });
    const stays = worker({ slot: 0, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });
    const p = run({ config: config({ workers: 1 }), state: state({ lastMarketScanAt: NOW }), workers: [stays, leaving] });
    expect(p.actions).toEqual(
      leaves ? [expect.objectContaining({ kind: "destroy", instanceId: leaving.instance.id, cause: "scale_down" })] : [],
    );
    // A draining worker still counts as leaving: nothing is launched or destroyed in its place.
    expect(p.wantedSlots).toEqual([]);
    expect(p.held.some((h) => h.includes(`${leaving.label} leaves after its upload`))).toBe(!leaves);
  });

  it("scale-down drain: a worker finishing its upload is not traded up, and the next pass after its upload destroys it", () => {
    const leaving = worker({ slot: 1, since: NOW - HOUR, inst: { gpu_name: "RTX 3060", dph_total: 0.083 }, unsentBatches: 2 });
    const stays = worker({ slot: 0, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });
    const deal = offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.05 });
    const p = run({ config: config({ workers: 1 }), state: state({ lastMarketScanAt: null }), workers: [stays, leaving], offers: [deal] });
    expect(p.actions).toEqual([]);
    const uploaded = { ...leaving, unsentBatches: 0 };
    const next = run({ config: config({ workers: 1 }), state: state({ lastMarketScanAt: NOW }), workers: [stays, uploaded] });
    expect(next.actions).toMatchObject([{ kind: "destroy", instanceId: leaving.instance.id, cause: "scale_down" }]);
  });

  it("a lowered target with launches still pending does not destroy running workers for instances not yet listed", () => {
    const ws = [worker({ slot: 0 }), worker({ slot: 1 })];
    const st = state({ lastMarketScanAt: NOW, pendingLaunches: [pending(2), pending(3)] });
    const p = run({ config: config({ workers: 2 }), workers: ws, state: st });
    expect(destroys(p.actions)).toEqual([]);
    // Next pass the pending two are listed (BOOT): they, not the running ones, leave.
    const booting = [worker({ slot: 2, phase: "BOOT", since: NOW }), worker({ slot: 3, phase: "BOOT", since: NOW })];
    const next = run({ config: config({ workers: 2 }), workers: [...ws, ...booting] });
    expect(
      destroys(next.actions)
        .map((d) => d.instanceId)
        .sort(),
    ).toEqual(booting.map((w) => w.instance.id).sort());
  });
});

describe("plan: holds", () => {
  it("paused → no actions at all, even for dead workers", () => {
    const p = run({ config: config({ workers: 3, paused: true }), workers: [worker({ phase: "DEAD", since: NOW })], offers: offers(3) });
    expect(p.actions).toEqual([]);
    expect(p.wantsOffers).toBe(false);
    expect(p.held.join()).toMatch(/paused/);
  });

  it.each<[string, number, LaunchRecord[], number]>([
    ["per pass cap", 10, [], DEFAULTS.maxLaunchesPerPass],
    ["hour cap with 22 launches this hour", 10, launchedAt(22, NOW - 30 * MIN), 2],
    ["hour cap used up", 10, launchedAt(24, NOW - 59 * MIN), 0],
    ["launches older than an hour do not count", 10, launchedAt(24, NOW - HOUR), DEFAULTS.maxLaunchesPerPass],
    ["failed launches count too", 10, launchedAt(24, NOW - MIN).map((l) => ({ ...l, ok: false })), 0],
  ])("launch caps: %s", (_name, target, history, expected) => {
    const p = run({ config: config({ workers: target }), state: state({ lastMarketScanAt: NOW, launches: history }), offers: offers(10) });
    expect(launches(p.actions)).toHaveLength(expected);
    expect(p.wantedSlots).toHaveLength(target);
    expect(p.held.length > 0).toBe(true);
  });

  it.each<[string, number | null, number, number]>([
    ["opened 10 min ago, no probe yet → none", null, NOW - 10 * MIN, 0],
    ["opened 30 min ago → one probe", null, NOW - PROBE_INTERVAL_MS, 1],
    ["probed 29 min ago → none", NOW - 29 * MIN, NOW - 5 * HOUR, 0],
    ["probed 30 min ago → one probe", NOW - 30 * MIN, NOW - 5 * HOUR, 1],
  ])("circuit breaker open: %s", (_name, lastProbeAt, since, expected) => {
    const st = state({
      lastMarketScanAt: NOW,
      breaker: { open: true, reason: "5 launches failed", since, failures: 5, recentFailures: [], lastProbeAt },
    });
    const p = run({ config: config({ workers: 4 }), state: st, offers: offers(4) });
    expect(launches(p.actions)).toHaveLength(expected);
    expect(p.held.join()).toMatch(/circuit breaker open/);
  });

  it("circuit breaker open: broken workers still go (they bill and produce nothing), but their slots are not refilled", () => {
    const st = state({
      lastMarketScanAt: NOW,
      breaker: { open: true, reason: "fatal", since: NOW - MIN, failures: 0, recentFailures: [], lastProbeAt: null },
    });
    const ws = [
      worker({ slot: 0, phase: "FATAL", since: NOW - HOUR }),
      worker({ slot: 1, phase: "BOOT", since: NOW - HOUR }),
      worker({ slot: 2, phase: "STALLED", since: NOW }),
      worker({ slot: 3, phase: "DEAD", since: NOW }),
      worker({ slot: 4, phase: "SETUP", since: NOW, inst: { dph_total: 0.2 } }),
    ];
    const p = run({ config: config({ workers: 5 }), state: st, workers: ws, offers: offers(5) });
    expect(destroys(p.actions).map((d) => [d.slot, d.cause])).toEqual([
      [0, "fatal"],
      [1, "boot_timeout"],
      [2, "stalled"],
      [3, "dead"],
      [4, "over_cost"],
    ]);
    expect(launches(p.actions)).toHaveLength(0);
    expect(p.held.some((h) => h.startsWith("circuit breaker open"))).toBe(true);
  });

  it.each<[string, Partial<FleetState>, number]>([
    ["credit paused", { creditPausedUntil: NOW + 1 }, 0],
    ["credit pause over", { creditPausedUntil: NOW }, 2],
    ["launchHold", { launchHold: "weights missing on Hugging Face" }, 0],
  ])("%s", (_name, over, expected) => {
    const p = run({ config: config({ workers: 2 }), state: state({ lastMarketScanAt: NOW, ...over }), offers: offers(2) });
    expect(launches(p.actions)).toHaveLength(expected);
    if (expected === 0) expect(p.held.length).toBeGreaterThan(0);
  });

  it("a worker with an HF auth error that may still produce is kept and holds all launches; a dead or fatal one goes, nothing replaces it", () => {
    const authWaiting = worker({ slot: 0, phase: "WAIT", since: NOW - HOUR, hfAuthError: true });
    const authFatal = worker({ slot: 1, phase: "FATAL", since: NOW - HOUR, hfAuthError: true });
    const authDead = worker({ slot: 2, phase: "DEAD", since: NOW, hfAuthError: true });
    const p = run({ config: config({ workers: 3 }), workers: [authWaiting, authFatal, authDead], offers: offers(3) });
    expect(destroys(p.actions).map((d) => d.instanceId)).toEqual([authFatal.instance.id, authDead.instance.id]);
    expect(launches(p.actions)).toEqual([]);
    expect(p.held.join("\n")).toMatch(/Hugging Face rejected the token/);
    expect(p.held.join("\n")).toMatch(new RegExp(`${authWaiting.label}: Hugging Face rejects the token`));
  });

  it("the HF token hold outlives the worker that showed it: no launches until it is cleared", () => {
    const held = run({
      config: config({ workers: 2 }),
      state: state({ hfAuthHold: { since: NOW - HOUR, token: "abc" } }),
      offers: offers(2),
    });
    expect(launches(held.actions)).toEqual([]);
    expect(held.held.join("\n")).toMatch(/Hugging Face rejected the token/);
    const cleared = run({ config: config({ workers: 2 }), state: state({ hfAuthHold: null }), offers: offers(2) });
    expect(launches(cleared.actions)).toHaveLength(2);
  });
});

describe("plan: HF 401/403 on one host while the token works elsewhere", () => {
  // Two upload intervals (auto at a small target: 240 s) is how long a peer must run to vouch.
  const vouchAfter = 2 * plannedUploadInterval(DEFAULTS) * S;
  const refused = () =>
    worker({ slot: 0, phase: "RUNNING", since: NOW - 20 * MIN, hfAuthError: true, inst: { start_date: (NOW - 25 * MIN) / 1000 } });
  const peer = (over: Parameters<typeof worker>[0] = {}) => worker({ slot: 1, phase: "RUNNING", since: NOW - HOUR, ...over });

  it("a peer running with the same token vouches for it: the refused worker is replaced and launches go on", () => {
    const bad = refused();
    const good = peer();
    const p = run({ config: config({ workers: 2 }), workers: [bad, good], offers: offers(2) });
    const [d, ...rest] = destroys(p.actions);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ instanceId: bad.instance.id, cause: "fatal" });
    expect(d?.reason).toContain(good.label);
    expect(launches(p.actions).map((l) => l.slot)).toEqual([0]);
    expect(p.held.join("\n")).not.toMatch(/Hugging Face/);
  });

  it("a hold left by a worker that is gone lifts once a peer vouches for the token", () => {
    const p = run({
      config: config({ workers: 2 }),
      state: state({ lastMarketScanAt: NOW, hfAuthHold: { since: NOW - HOUR, token: "fp" } }),
      workers: [peer()],
      offers: offers(2),
    });
    expect(launches(p.actions).map((l) => l.slot)).toEqual([0]);
  });

  it.each<[string, Worker | null, Partial<FleetState>]>([
    ["no peer (a one-worker fleet)", null, {}],
    ["the peer has run under two upload intervals", peer({ since: NOW - vouchAfter + S }), {}],
    ["the peer started before the current token", peer(), { hfToken: { fingerprint: "new", since: NOW - 30 * MIN } }],
    ["the peer logs 401/403 too", peer({ hfAuthError: true }), {}],
    ["the peer is still in setup", peer({ phase: "SETUP", since: NOW - HOUR }), {}],
  ])("no voucher when %s: the worker is kept and launches are held", (_name, other, over) => {
    const bad = refused();
    const p = run({
      config: config({ workers: 3 }),
      state: state({ lastMarketScanAt: NOW, ...over }),
      workers: other ? [bad, other] : [bad],
      offers: offers(3),
    });
    expect(destroys(p.actions).map((d) => d.instanceId)).not.toContain(bad.instance.id);
    expect(launches(p.actions)).toEqual([]);
    expect(p.held.join("\n")).toMatch(/Hugging Face rejected the token/);
  });

  it("a peer at exactly two upload intervals vouches", () => {
    const p = run({ config: config({ workers: 2 }), workers: [refused(), peer({ since: NOW - vouchAfter })], offers: offers(2) });
    expect(launches(p.actions)).toHaveLength(1);
  });

  // A revoked token refuses every worker, each at its next upload: the first to show it must not be
  // taken for a refused host while the others have yet to try.
  it.each<[string, number, boolean]>([
    ["the refusal is younger than two upload intervals → kept, launches held", NOW - vouchAfter + S, false],
    ["the refusal has lasted two upload intervals while the peer uploads → replaced", NOW - vouchAfter, true],
  ])("%s", (_name, hfAuthSince, replaced) => {
    const bad = worker({ slot: 0, phase: "RUNNING", since: NOW - 30 * MIN, hfAuthError: true, hfAuthSince });
    // A third slot is empty, so the hold shows.
    const p = run({ config: config({ workers: 3 }), workers: [bad, peer()], offers: offers(3) });
    expect(destroys(p.actions).map((d) => d.instanceId)).toEqual(replaced ? [bad.instance.id] : []);
    expect(launches(p.actions)).toHaveLength(replaced ? 2 : 0);
    if (!replaced) expect(p.held.join("\n")).toMatch(/Hugging Face rejected the token/);
  });
});

describe("oomFitsElsewhere: CUDA out of memory on one host while a card with no more memory runs the workload elsewhere", () => {
  const oom = () => worker({ id: 700, slot: 0, phase: "DEAD", fatalKind: "oom", inst: { gpu_name: "RTX 3060", gpu_ram: 12288 } });
  it.each<[string, Parameters<typeof worker>[0], boolean]>([
    [
      "same model and memory, running 10 min → the host's fault",
      { inst: { gpu_name: "RTX 3060", gpu_ram: 12288 }, since: NOW - FITS_AFTER_MS },
      true,
    ],
    ["same model with less memory → the host's fault", { inst: { gpu_name: "RTX 3060", gpu_ram: 8192 }, since: NOW - HOUR }, true],
    ["running 1 s short of 10 min → not proven", { inst: { gpu_name: "RTX 3060", gpu_ram: 12288 }, since: NOW - FITS_AFTER_MS + S }, false],
    ["same model with more memory → not proven", { inst: { gpu_name: "RTX 3060", gpu_ram: 16384 }, since: NOW - HOUR }, false],
    [
      "another model with as much memory → the host's fault (memory is the constraint)",
      { inst: { gpu_name: "RTX 3090", gpu_ram: 12288 }, since: NOW - HOUR },
      true,
    ],
    ["another model with more memory → not proven", { inst: { gpu_name: "RTX 3090", gpu_ram: 24576 }, since: NOW - HOUR }, false],
    ["not running → not proven", { phase: "WAIT", inst: { gpu_name: "RTX 3060", gpu_ram: 12288 }, since: NOW - HOUR }, false],
  ])("%s", (_name, peer, fits) => {
    const w = oom();
    const p = worker({ id: 701, slot: 1, ...peer });
    expect(oomFitsElsewhere(w, [w, p], NOW)?.instance.id ?? null).toBe(fits ? 701 : null);
  });

  it("the worker that ran out of memory never vouches for itself", () => {
    const w = worker({ id: 700, phase: "RUNNING", since: NOW - HOUR, inst: { gpu_name: "RTX 3060", gpu_ram: 12288 } });
    expect(oomFitsElsewhere(w, [w], NOW)).toBeNull();
  });
});

describe("plan: offers", () => {
  // Upgrade scans alone: market memory off, so only launches and upgrades ask for offers.
  const noWatch = config({ workers: 1, bounceWindowS: 0 });
  const breakerOpen = { open: true, reason: "x", since: NOW, failures: 5, recentFailures: [], lastProbeAt: null };
  const busy = [{ slot: 9, oldId: 1, newId: 2, startedAt: NOW, reason: "x" }];
  it.each<[string, Partial<PlanInput>, boolean]>([
    ["at target, upgrade scan just done → false", {}, false],
    ["below target → true", { config: config({ workers: 2, bounceWindowS: 0 }) }, true],
    ["at target, scan never done → true", { state: state({ lastMarketScanAt: null }) }, true],
    ["at target, last scan one scan interval ago → true", { state: state({ lastMarketScanAt: NOW - MARKET_SCAN_MS }) }, true],
    [
      "at target, last scan 1 s short of the scan interval → false",
      { state: state({ lastMarketScanAt: NOW - MARKET_SCAN_MS + 1000 }) },
      false,
    ],
    [
      "below target but launches held → false",
      { config: config({ workers: 2, bounceWindowS: 0 }), state: state({ lastMarketScanAt: NOW, launchHold: "x" }) },
      false,
    ],
    ["scan due but breaker open → false", { state: state({ lastMarketScanAt: null, breaker: breakerOpen }) }, false],
    ["scan due but upgrades at max → false", { state: state({ lastMarketScanAt: null, upgrades: busy }) }, false],
  ])("wantsOffers, market memory off (one RUNNING worker, target 1): %s", (_name, over, wants) => {
    expect(run({ config: noWatch, workers: [worker({ slot: 0 })], ...over }).wantsOffers).toBe(wants);
  });

  // Market memory on (the default): the fleet looks at the market every scan interval whatever
  // else holds it, so its memory is current when it launches.
  it.each<[string, Partial<PlanInput>, boolean]>([
    ["idle at target 0, scan due → true", { config: config({ workers: 0 }), workers: [], state: state({ lastMarketScanAt: null }) }, true],
    [
      "idle at target 0, scan just done → false",
      { config: config({ workers: 0 }), workers: [], state: state({ lastMarketScanAt: NOW }) },
      false,
    ],
    [
      "idle at target 0, 1 s short of the interval → false",
      { config: config({ workers: 0 }), workers: [], state: state({ lastMarketScanAt: NOW - MARKET_SCAN_MS + 1000 }) },
      false,
    ],
    [
      "idle, market memory off → false",
      { config: config({ workers: 0, bounceWindowS: 0 }), workers: [], state: state({ lastMarketScanAt: null }) },
      false,
    ],
    ["breaker open, scan due → true", { state: state({ lastMarketScanAt: null, breaker: breakerOpen }) }, true],
    ["upgrades at max, scan due → true", { state: state({ lastMarketScanAt: null, upgrades: busy }) }, true],
    [
      "an /up?gpu= pass, scan due, breaker open → false (it sees one model)",
      { gpu: "RTX_3090", state: state({ lastMarketScanAt: null, breaker: breakerOpen }) },
      false,
    ],
    [
      "paused, scan due → false",
      { config: config({ workers: 0, paused: true }), workers: [], state: state({ lastMarketScanAt: null }) },
      false,
    ],
  ])("wantsOffers, market memory on: %s", (_name, over, wants) => {
    expect(run({ config: config({ workers: 1 }), workers: [worker({ slot: 0 })], ...over }).wantsOffers).toBe(wants);
  });

  it("a watch search with the breaker open launches and upgrades nothing", () => {
    const p = run({
      config: config({ workers: 1 }),
      workers: [worker({ slot: 0, inst: { dph_total: 0.083 } })],
      state: state({ lastMarketScanAt: null, breaker: breakerOpen }),
      offers: offers(3),
    });
    expect(p.actions).toEqual([]);
  });

  it("launches carry the best-value offer, one machine each", () => {
    const slow = offer({ gpu_name: "RTX 3060", dph_total: 0.083 });
    const best = offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.055 });
    const second = offer({ gpu_name: "RTX 3070", dph_total: 0.08 });
    const p = run({ config: config({ workers: 2 }), offers: [slow, second, best] });
    expect(launches(p.actions).map((l) => [l.slot, l.offer.id, l.upgradeOf])).toEqual([
      [0, best.id, null],
      [1, second.id, null],
    ]);
    expect(launches(p.actions)[0]!.expectedGamesPerSec).toBe(4.2);
  });

  it("no offers under the cap → held with a reason", () => {
    const p = run({ config: config({ workers: 2 }), offers: [offer({ dph_total: 0.2 })] });
    expect(launches(p.actions)).toEqual([]);
    expect(p.held.join()).toMatch(/no offers for 2 slot\(s\) under \$0.09\/h/);
  });

  it("fleet-wide $/h ceiling: launches stop where the sum would pass maxFleetDph", () => {
    const ws = [worker({ slot: 0, inst: { dph_total: 0.08 } })];
    const p = run({ config: config({ workers: 4, maxFleetDph: 0.2 }), workers: ws, offers: offers(3, { dph_total: 0.055 }) });
    // 0.08 + 2 × 0.055 = 0.19 ≤ 0.2; a third would be 0.245.
    expect(launches(p.actions)).toHaveLength(2);
    expect(p.held.join()).toMatch(/fleet ceiling \$0.2\/h/);
  });

  it.each<[string, string | null, string[]]>([
    ["no filter: best value", null, ["RTX 3060 Ti"]],
    ["runbook spelling RTX_3090", "RTX_3090", ["RTX 3090"]],
    ["Vast spelling RTX 3090", "RTX 3090", ["RTX 3090"]],
  ])("gpu filter (%s)", (_name, gpu, names) => {
    const market = [offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.055 }), offer({ gpu_name: "RTX 3090", gpu_ram: 24576, dph_total: 0.09 })];
    const p = run({ config: config({ workers: 1 }), offers: market, gpu });
    expect(launches(p.actions).map((l) => l.offer.gpu_name)).toEqual(names);
  });
});

describe("plan: idempotence (level-triggered)", () => {
  const messy = (): Worker[] => [
    worker({ slot: 0 }),
    worker({ slot: 0, phase: "BOOT", since: NOW - MIN, inst: { start_date: (NOW - MIN) / 1000 } }),
    worker({ slot: 1, phase: "DEAD", since: NOW }),
    worker({ slot: 2, phase: "FATAL", since: NOW - HOUR }),
    worker({ slot: 3, inst: { dph_total: 0.3 } }),
    worker({ slot: 9 }),
  ];

  it.each<[string, boolean]>([
    ["launches listed as new BOOT instances (their pending entries not yet cleared)", true],
    ["launches still pending, not listed", false],
  ])("applying the plan and planning again yields nothing: %s", (_name, listed) => {
    const cfg = config({ workers: 5 });
    const st = state({ lastMarketScanAt: NOW });
    const ws = messy();
    const first = plan({ fleet: FLEET, config: cfg, state: st, now: NOW, workers: ws, offers: offers(6) });
    expect(destroys(first.actions).length).toBeGreaterThan(0);
    expect(launches(first.actions).length).toBeGreaterThan(0);

    const gone = new Set(destroys(first.actions).map((d) => d.instanceId));
    const now = NOW + MIN;
    const newPending: PendingLaunch[] = [];
    const newWorkers: Worker[] = [];
    for (const l of launches(first.actions)) {
      const id = freshId();
      newPending.push(
        pending(l.slot, { instanceId: id, offerId: l.offer.id, machineId: l.offer.machine_id, dph: l.offer.dph_total, at: NOW }),
      );
      if (listed)
        newWorkers.push(
          worker({
            id,
            slot: l.slot,
            phase: "BOOT",
            since: now,
            inst: {
              actual_status: "loading",
              machine_id: l.offer.machine_id,
              dph_total: l.offer.dph_total,
              gpu_name: l.offer.gpu_name,
              start_date: now / 1000,
            },
          }),
        );
    }
    const after: FleetState = { ...st, lastMarketScanAt: now, pendingLaunches: newPending, launches: launchedAt(newPending.length, NOW) };
    const second = plan({
      fleet: FLEET,
      config: cfg,
      state: after,
      now,
      workers: [...ws.filter((w) => !gone.has(w.instance.id)), ...newWorkers],
      offers: offers(6),
    });
    expect(second.actions).toEqual([]);
    expect(second.wantedSlots).toEqual([]);
  });
});

describe("plan: upgrades (make before break)", () => {
  const cheapRunner = (slot = 0, over: Parameters<typeof worker>[0] = {}) =>
    worker({ slot, since: NOW - UPGRADE_MIN_RUNNING_MS, inst: { gpu_name: "RTX 3060", dph_total: 0.083 }, ...over });
  const goodRunner = (slot = 1) => worker({ slot, since: NOW - HOUR, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });
  const scanDue = (over: Partial<FleetState> = {}) => state({ lastMarketScanAt: null, ...over });
  const deal = () => offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.055 });
  const upgrade = (oldId: number, newId: number, startedAt: number): Upgrade => ({
    slot: 0,
    oldId,
    newId,
    startedAt,
    reason: "better deal",
  });

  it("a worse RUNNING worker gets an upgrade launch into its own slot with upgradeOf", () => {
    const old = cheapRunner();
    const d = deal();
    const p = run({ config: config({ workers: 2 }), state: scanDue(), workers: [old, goodRunner()], offers: [d] });
    expect(p.actions).toMatchObject([
      { kind: "launch", slot: 0, label: labelFor(FLEET, 0), upgradeOf: old.instance.id, offer: { id: d.id } },
    ]);
  });

  it.each<[string, number, boolean]>([
    ["14% better → no upgrade", 0.083 / 1.14, false],
    ["16% better → upgrade", 0.083 / 1.16, true],
  ])("upgradeMinGain 15%%: an offer %s", (_name, price, upgrades) => {
    const p = run({
      config: config({ workers: 2 }),
      state: scanDue(),
      workers: [cheapRunner(), goodRunner()],
      offers: [offer({ gpu_name: "RTX 3060", dph_total: price })],
    });
    expect(launches(p.actions)).toHaveLength(upgrades ? 1 : 0);
  });

  it.each<[string, Partial<PlanInput>]>([
    ["below target", { config: config({ workers: 3 }) }],
    ["running 1 s less than 10 min", { workers: [cheapRunner(0, { since: NOW - UPGRADE_MIN_RUNNING_MS + S }), goodRunner()] }],
    ["upgrades at maxConcurrentUpgrades", { state: scanDue({ upgrades: [upgrade(1, 2, NOW)] }) }],
    ["slot cooldown 1 s short", { state: scanDue({ slotCooldowns: { "0": NOW - DEFAULTS.upgradeCooldownS * S + S } }) }],
    ["policy cheapest", { policy: "cheapest" }],
    ["launchHold", { state: scanDue({ launchHold: "weights missing" }) }],
    ["credit paused", { state: scanDue({ creditPausedUntil: NOW + MIN }) }],
    ["hourly launch budget used up", { state: scanDue({ launches: launchedAt(24, NOW - MIN) }) }],
  ])("no upgrade launch: %s", (_name, over) => {
    const p = run({
      config: config({ workers: 2 }),
      state: scanDue(),
      workers: [cheapRunner(), goodRunner()],
      offers: [deal(), deal()],
      ...over,
    });
    expect(launches(p.actions).filter((l) => l.upgradeOf !== null)).toEqual([]);
  });

  it.each<[string, Partial<PlanInput>]>([
    ["slot cooldown just over", { state: scanDue({ slotCooldowns: { "0": NOW - DEFAULTS.upgradeCooldownS * S } }) }],
    [
      "a second upgrade when maxConcurrentUpgrades is 2",
      { config: config({ workers: 2, maxConcurrentUpgrades: 2 }), state: scanDue({ upgrades: [upgrade(1, 2, NOW)] }) },
    ],
  ])("upgrade allowed: %s", (_name, over) => {
    const p = run({ config: config({ workers: 2 }), state: scanDue(), workers: [cheapRunner(), goodRunner()], offers: [deal()], ...over });
    expect(launches(p.actions).map((l) => l.slot)).toEqual([0]);
  });

  it("trial succeeds: the new one runs → the old one goes (upgrade_done), nothing else happens", () => {
    const old = cheapRunner();
    const fresh = worker({ slot: 0, since: NOW - MIN, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });
    const st = state({ lastMarketScanAt: NOW, upgrades: [upgrade(old.instance.id, fresh.instance.id, NOW - 5 * MIN)] });
    const p = run({ config: config({ workers: 2 }), state: st, workers: [old, fresh, goodRunner()], offers: offers(2) });
    expect(p.actions).toMatchObject([{ kind: "destroy", instanceId: old.instance.id, cause: "upgrade_done" }]);
    expect(p.wantedSlots).toEqual([]);
  });

  it.each<[number, boolean]>([
    [DEFAULTS.upgradeTrialS - 1, false],
    [DEFAULTS.upgradeTrialS, false],
    [DEFAULTS.upgradeTrialS + 1, true],
  ])("trial: the new one not RUNNING %is after the start → destroyed as upgrade_failed: %s", (after, fails) => {
    const old = cheapRunner();
    const fresh = worker({ slot: 0, phase: "WAIT", since: NOW - 60 * S });
    const st = state({ lastMarketScanAt: NOW, upgrades: [upgrade(old.instance.id, fresh.instance.id, NOW - after * S)] });
    const p = run({ config: config({ workers: 2 }), state: st, workers: [old, fresh, goodRunner()] });
    // During the trial the pair shares slot 0's label: no duplicate kill, no scale-down, no launch.
    expect(p.actions).toEqual(
      fails ? [expect.objectContaining({ kind: "destroy", instanceId: fresh.instance.id, cause: "upgrade_failed" })] : [],
    );
  });

  // Make before break, then drain: the old worker leaves after an upload, so its games reach HF.
  const drainS = plannedUploadInterval(DEFAULTS) + 60;
  it.each<[string, Partial<Parameters<typeof worker>[0]>, number, boolean]>([
    ["just uploaded", { unsentBatches: 0 }, 60, true],
    ["2 batches unsent, replacement running 1 min", { unsentBatches: 2 }, 60, false],
    ["2 batches unsent, one upload interval + 1 min less 1 s", { unsentBatches: 2 }, drainS - 1, false],
    ["2 batches unsent, one upload interval + 1 min", { unsentBatches: 2 }, drainS, true],
    ["no upload in its logs to wait for (failing, unreadable)", { unsentBatches: null }, 60, true],
    ["an overdue upload (5 batches at 4 games/s: 320 s)", { unsentBatches: 5 }, 60, true],
    ["a fast GPU a batch past its upload (1 batch at 9 games/s: 28 s)", { unsentBatches: 1, gamesPerSec: 9 }, 60, true],
    ["not running any more", { phase: "WAIT", unsentBatches: 2 }, 60, true],
  ])("drain: old worker %s → leaves now: %s", (_name, over, freshRunningS, leaves) => {
    const old = cheapRunner(0, over);
    const fresh = worker({ slot: 0, since: NOW - freshRunningS * S, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });
    const st = state({ lastMarketScanAt: NOW, upgrades: [upgrade(old.instance.id, fresh.instance.id, NOW - 10 * MIN)] });
    const p = run({ config: config({ workers: 2 }), state: st, workers: [old, fresh, goodRunner()], offers: offers(2) });
    // While it drains, the pair still shares slot 0: no duplicate kill, no scale-down, no launch.
    expect(p.actions).toEqual(
      leaves ? [expect.objectContaining({ kind: "destroy", instanceId: old.instance.id, cause: "upgrade_done" })] : [],
    );
    expect(p.wantedSlots).toEqual([]);
  });

  it("the old worker vanished (Vast took it) while the new one runs: the new one is kept", () => {
    const fresh = worker({ slot: 0, since: NOW - 20 * MIN, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });
    const st = state({ lastMarketScanAt: NOW, upgrades: [upgrade(freshId(), fresh.instance.id, NOW - 20 * MIN)] });
    const p = run({ config: config({ workers: 2 }), state: st, workers: [fresh, goodRunner()] });
    expect(p.actions).toEqual([]);
  });
});

describe("plan: launch reasons name the worker", () => {
  it("every action has a reason and the fleet's label", () => {
    const p = run({ config: config({ workers: 2 }), workers: [worker({ slot: 0, phase: "DEAD", since: NOW })], offers: offers(2) });
    expect(p.actions.length).toBe(3);
    for (const a of p.actions) {
      expect(a.reason.length).toBeGreaterThan(5);
      expect(a.label).toBe(labelFor(FLEET, a.slot));
    }
  });
});

describe("plan: the operator's replace (POST /instances/:id/replace)", () => {
  const healthy = (slot: number) => worker({ slot, since: NOW - HOUR, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.055 } });

  it("a healthy worker goes now and its slot is refilled in the same pass, on the best offer", () => {
    const [a, b] = [healthy(0), healthy(1)];
    const best = offer({ gpu_name: "RTX 3060 Ti", dph_total: 0.05 });
    const p = run({
      config: config({ workers: 2 }),
      state: state({ lastMarketScanAt: NOW }),
      workers: [a, b],
      offers: [best, ...offers(2)],
      replace: b.instance.id,
    });
    expect(p.actions).toMatchObject([
      { kind: "destroy", instanceId: b.instance.id, slot: 1, cause: "replaced", reason: "replaced through the API" },
      { kind: "launch", slot: 1, offer: { id: best.id }, upgradeOf: null },
    ]);
  });

  it.each<[string, Partial<PlanInput>, number]>([
    ["an id that is no worker of the fleet", { replace: 999_999 }, 0],
    ["a paused fleet: nothing at all", { config: config({ workers: 2, paused: true }) }, 0],
    [
      "a worker Hugging Face refuses (kept otherwise): the operator's word goes",
      { workers: [healthy(0), worker({ slot: 1, hfAuthError: true })] },
      1,
    ],
  ])("%s", (_name, over, destroyed) => {
    const workers = over.workers ?? [healthy(0), healthy(1)];
    const p = run({
      config: config({ workers: 2 }),
      state: state({ lastMarketScanAt: NOW }),
      workers,
      replace: workers[1]!.instance.id,
      ...over,
    });
    expect(destroys(p.actions).filter((d) => d.cause === "replaced")).toHaveLength(destroyed);
  });

  it("the old worker of an upgrade in trial: it goes, and the new one takes the slot without another launch", () => {
    const old = healthy(0);
    const fresh = worker({ slot: 0, phase: "WAIT", since: NOW - MIN });
    const st = state({
      lastMarketScanAt: NOW,
      upgrades: [{ slot: 0, oldId: old.instance.id, newId: fresh.instance.id, startedAt: NOW - 2 * MIN, reason: "better deal" }],
    });
    const p = run({
      config: config({ workers: 2 }),
      state: st,
      workers: [old, fresh, healthy(1)],
      offers: offers(2),
      replace: old.instance.id,
    });
    expect(p.actions).toEqual([expect.objectContaining({ kind: "destroy", instanceId: old.instance.id, cause: "replaced" })]);
    expect(p.wantedSlots).toEqual([]);
  });
});

describe("plan: a roll (POST /roll) replaces the workers started before it, make before break", () => {
  const ROLL = NOW - 5 * MIN;
  // Running for an hour on the runbook's best deal: no trade-up would ever touch it.
  const before = (slot: number, over: Parameters<typeof worker>[0] = {}) =>
    worker({ slot, since: NOW - HOUR, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.05, start_date: (NOW - HOUR) / 1000 }, ...over });
  const after = (slot: number) =>
    worker({ slot, since: NOW - MIN, inst: { gpu_name: "RTX 3060 Ti", dph_total: 0.05, start_date: (NOW - 2 * MIN) / 1000 } });
  const worse = () => offers(2, { gpu_name: "RTX 3060", dph_total: 0.08 });
  const rolling = (over: Partial<FleetState> = {}) => state({ lastMarketScanAt: null, rollBefore: ROLL, ...over });

  it("a worker started before the roll gets a launch into its slot, on a worse deal if that is what there is", () => {
    const old = before(0);
    const p = run({ config: config({ workers: 2 }), state: rolling(), workers: [old, after(1)], offers: worse() });
    expect(p.actions).toEqual([
      expect.objectContaining({
        kind: "launch",
        slot: 0,
        upgradeOf: old.instance.id,
        reason: expect.stringMatching(/^roll: replaces \d+, started before the roll: RTX 3060 @ \$0\.080\/h/),
      }),
    ]);
  });

  it.each<[string, number, Partial<PlanInput>]>([
    ["no roll: the same fleet trades nothing", 0, { state: state({ lastMarketScanAt: null }) }],
    ["maxConcurrentUpgrades 0: still one at a time", 1, { config: config({ workers: 2, maxConcurrentUpgrades: 0 }) }],
    ["two started before, maxConcurrentUpgrades 1: one at a time", 1, { workers: [before(0), before(1)] }],
    [
      "two started before, maxConcurrentUpgrades 2: both",
      2,
      { config: config({ workers: 2, maxConcurrentUpgrades: 2 }), workers: [before(0), before(1)] },
    ],
    [
      "a trial already under way uses the one slot",
      0,
      { state: rolling({ upgrades: [{ slot: 1, oldId: 1, newId: 2, startedAt: NOW, reason: "roll" }] }) },
    ],
    [
      "running for a minute only, its slot cooling down: rolled all the same",
      1,
      { workers: [before(0, { since: NOW - MIN }), after(1)], state: rolling({ slotCooldowns: { "0": NOW - MIN } }) },
    ],
    ["below target: slots are filled first", 0, { config: config({ workers: 3 }) }],
    ["not running yet: left until it runs or fails", 0, { workers: [before(0, { phase: "SETUP", since: NOW - MIN }), after(1)] }],
    ["a search not due yet", 0, { state: rolling({ lastMarketScanAt: NOW - MIN }) }],
    [
      "the breaker open",
      0,
      { state: rolling({ breaker: { open: true, reason: "x", since: NOW - MIN, failures: 5, recentFailures: [], lastProbeAt: NOW } }) },
    ],
    ["no start date on the instance: cannot be told, left alone", 0, { workers: [before(0, { inst: { start_date: null } }), after(1)] }],
    [
      "trading up off (maxConcurrentUpgrades 0), the worker from before not running yet: a worse worker is not traded up on the roll's room",
      0,
      {
        config: config({ workers: 2, maxConcurrentUpgrades: 0 }),
        workers: [
          before(0, { phase: "SETUP", since: NOW - MIN }),
          worker({ slot: 1, since: NOW - HOUR, inst: { gpu_name: "RTX 3060", dph_total: 0.083, start_date: (NOW - 2 * MIN) / 1000 } }),
        ],
        offers: offers(2),
      },
    ],
  ])("%s → %i trade launch(es)", (_name, n, over) => {
    const p = run({ config: config({ workers: 2 }), state: rolling(), workers: [before(0), after(1)], offers: worse(), ...over });
    expect(launches(p.actions).filter((l) => l.upgradeOf !== null)).toHaveLength(n);
  });

  it.each<[string, Partial<PlanInput>, string[]]>([
    [
      "no offer under the cap: the roll says why it waits",
      { offers: [] },
      ["roll: no offer for the next worker's replacement under $0.09/h"],
    ],
    [
      "the fleet ceiling leaves no room for old and new side by side",
      { config: config({ workers: 2, maxFleetDph: 0.12 }) },
      ["roll: no offer for the next worker's replacement under $0.09/h within the fleet ceiling $0.12/h (old and new run side by side)"],
    ],
    ["an offer: nothing held", {}, []],
  ])("%s", (_name, over, held) => {
    const p = run({ config: config({ workers: 2 }), state: rolling(), workers: [before(0), after(1)], offers: worse(), ...over });
    expect(p.held).toEqual(held);
  });

  it("the old worker leaves once its replacement runs, after its upload, as a trade-up's does", () => {
    const old = before(0, { unsentBatches: 0 });
    const fresh = after(0);
    const st = rolling({
      lastMarketScanAt: NOW,
      upgrades: [{ slot: 0, oldId: old.instance.id, newId: fresh.instance.id, startedAt: NOW - 5 * MIN, reason: "roll: replaces it" }],
    });
    const p = run({ config: config({ workers: 2 }), state: st, workers: [old, fresh, after(1)] });
    expect(p.actions).toEqual([
      expect.objectContaining({
        kind: "destroy",
        instanceId: old.instance.id,
        cause: "upgrade_done",
        reason: `replaced by ${fresh.instance.id} (roll: replaces it)`,
      }),
    ]);
  });
});
