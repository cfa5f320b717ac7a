/**
 * fast-check arbitraries for the decision code: random listings (owned, foreign, near-miss and
 * unlabelled instances), random configs inside the schema, random remembered states and clocks,
 * random market offers. Every Vast object goes through the real wire schemas, so a generated
 * input is always something Vast could send.
 */
import fc from "fast-check";
import { DEFAULT_GPUS, DEFAULTS, labelFor, slotOf, validateConfig, type FleetConfig } from "../../src/config/fleet";
import type { Worker } from "../../src/reconcile/plan";
import { emptyState, PHASES, type FleetState, type PendingLaunch, type Upgrade } from "../../src/reconcile/state";
import { Instance, Offer } from "../../src/vast/schemas";

/** 2026-02-06 12:00 UTC: far enough from 0 that "an hour ago" is always a valid time. */
export const BASE_NOW = Date.UTC(2026, 1, 6, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Fleets whose names are prefixes of each other, so ownership by prefix would be caught. */
export const FLEETS = ["zeb", "zeb-large", "z"] as const;
const GPUS = [...DEFAULT_GPUS, "RTX 4090", "RTX 4060", "A100 SXM4", "H100"] as const;
const STATUSES = [null, "loading", "created", "running", "exited", "offline", "unknown", "stopped", "frozen"] as const;
const MAX_SLOT = 9;

/** A label as another tool, another fleet, or a typo would set it. */
export function labelArb(fleet: string): fc.Arbitrary<string | null> {
  const slot = fc.integer({ min: 0, max: MAX_SLOT });
  return fc.oneof(
    { weight: 6, arbitrary: slot.map((s) => labelFor(fleet, s)) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FLEETS, "zeb-", "zebra", "ZEB", "x-zeb"), slot).map(([f, s]) => labelFor(f, s)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            // Near misses: a zero-padded slot, suffixes, a missing slot, another separator, a leading prefix.
            (f: string, s: number) => `${f}-worker-vast-0${s}`,
            (f: string, s: number) => `${f}-worker-vast-${s}-old`,
            (f: string, _s: number) => `${f}-worker-vast-`,
            (f: string, s: number) => `${f}_worker_vast_${s}`,
            (f: string, s: number) => `my-${f}-worker-vast-${s}`,
            (f: string, s: number) => `${f}-large-worker-vast-${s}`,
            (f: string, s: number) => `${f}-worker-vast-${s}x`,
            (_f: string, s: number) => `worker-vast-${s}`,
          ),
          slot,
        )
        .map(([make, s]) => make(fleet, s)),
    },
    { weight: 1, arbitrary: fc.constantFrom(null, "", "jupyter", "zeb", fleet) },
  );
}

const dph = fc.double({ min: 0.01, max: 0.6, noNaN: true, noDefaultInfinity: true }).map((v) => Math.round(v * 1000) / 1000);

export interface Listed {
  instance: Instance;
  /** Planner-side classification, used when the instance is owned. */
  phase: Worker["phase"];
  since: number;
  hfAuthError: boolean;
  everRan: boolean;
  unsentBatches: number | null;
  gamesPerSec: number | null;
}

function listedArb(fleet: string, now: number, id: number): fc.Arbitrary<Listed> {
  return fc
    .record({
      label: labelArb(fleet),
      actual: fc.constantFrom(...STATUSES),
      intended: fc.constantFrom("running", "stopped"),
      machine: fc.integer({ min: 1, max: 40 }),
      gpu: fc.constantFrom(...GPUS),
      dph: fc.option(dph, { nil: null, freq: 10 }),
      startAgoMin: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null, freq: 8 }),
      phase: fc.constantFrom(...PHASES),
      sinceAgoS: fc.integer({ min: 0, max: 4 * 3600 }),
      hfWeighted: fc.integer({ min: 0, max: 19 }),
      everRan: fc.boolean(),
      unsentBatches: fc.constantFrom(0, 0, 1, 3, null),
      // 0.5 games/s makes 3 unsent batches an overdue upload.
      gamesPerSec: fc.constantFrom(4, 4, 0.5, null),
    })
    .map((r) => ({
      instance: Instance.parse({
        id,
        label: r.label,
        actual_status: r.actual,
        intended_status: r.intended,
        cur_state: r.actual,
        status_msg: null,
        machine_id: r.machine,
        host_id: 1,
        gpu_name: r.gpu,
        num_gpus: 1,
        gpu_ram: 12288,
        dph_total: r.dph,
        start_date: r.startAgoMin === null ? null : (now - r.startAgoMin * MIN) / 1000,
        ssh_host: "ssh1.vast.ai",
        ssh_port: 20000 + id,
      }),
      phase: r.phase,
      since: now - r.sinceAgoS * 1000,
      // HF auth errors are rare in practice and hold every launch, so they appear in 1 fleet in ~20 workers.
      hfAuthError: r.hfWeighted === 0,
      everRan: r.everRan,
      unsentBatches: r.unsentBatches,
      gamesPerSec: r.gamesPerSec,
    }));
}

/** What pass.ts hands the planner: only instances whose whole label is this fleet's. */
export function workersOf(fleet: string, listed: Listed[]): Worker[] {
  return listed.flatMap((l) => {
    const slot = slotOf(fleet, l.instance.label);
    if (slot === null) return [];
    return [
      {
        instance: l.instance,
        slot,
        label: l.instance.label ?? "",
        phase: l.phase,
        detail: "generated",
        since: l.since,
        hfAuthError: l.hfAuthError,
        hfAuthSince: l.hfAuthError ? l.since : null,
        everRan: l.everRan,
        fatalKind: null,
        unsentBatches: l.unsentBatches,
        gamesPerSec: l.gamesPerSec,
        blind: false,
      },
    ];
  });
}

export function configArb(): fc.Arbitrary<FleetConfig> {
  return fc
    .record({
      workers: fc.integer({ min: 0, max: 8 }),
      maxDph: fc.double({ min: 0.03, max: 0.5, noNaN: true, noDefaultInfinity: true }),
      maxFleetDph: fc.option(fc.double({ min: 0.05, max: 3, noNaN: true, noDefaultInfinity: true }), { nil: null, freq: 3 }),
      gpus: fc.subarray([...GPUS], { minLength: 1 }),
      minGpuRamMb: fc.constantFrom(0, 0, 8192, 16384),
      timeouts: fc.tuple(
        fc.integer({ min: 0, max: 3600 }),
        fc.integer({ min: 60, max: 3600 }),
        fc.integer({ min: 60, max: 3600 }),
        fc.integer({ min: 60, max: 3600 }),
        fc.integer({ min: 60, max: 3600 }),
      ),
      maxLaunchesPerPass: fc.integer({ min: 1, max: 10 }),
      maxLaunchesPerHour: fc.integer({ min: 1, max: 40 }),
      maxConcurrentUpgrades: fc.integer({ min: 0, max: 3 }),
      upgradeMinGain: fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }),
      upgradeTrialS: fc.integer({ min: 60, max: 3600 }),
      upgradeCooldownS: fc.integer({ min: 0, max: 3600 }),
      paused: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    })
    .map((r) => {
      const [errGraceS, setupTimeoutS, bootTimeoutS, waitTimeoutS, stallTimeoutS] = r.timeouts;
      const c: FleetConfig = {
        ...DEFAULTS,
        workers: r.workers,
        maxDph: r.maxDph,
        maxFleetDph: r.maxFleetDph,
        gpus: r.gpus,
        minGpuRamMb: r.minGpuRamMb,
        uploadInterval: 3600,
        errGraceS,
        setupTimeoutS,
        bootTimeoutS,
        waitTimeoutS,
        stallTimeoutS,
        maxLaunchesPerPass: r.maxLaunchesPerPass,
        maxLaunchesPerHour: r.maxLaunchesPerHour,
        maxConcurrentUpgrades: r.maxConcurrentUpgrades,
        upgradeMinGain: r.upgradeMinGain,
        upgradeTrialS: r.upgradeTrialS,
        upgradeCooldownS: r.upgradeCooldownS,
        paused: r.paused,
      };
      return c;
    })
    .filter((c) => validateConfig(c).ok);
}

export function offersArb(): fc.Arbitrary<Offer[]> {
  return fc
    .array(
      fc.record({
        machine: fc.integer({ min: 1, max: 60 }),
        gpu: fc.constantFrom(...GPUS),
        numGpus: fc.constantFrom(1, 1, 1, 2),
        ram: fc.constantFrom(8192, 12288, 24576),
        dph,
      }),
      { maxLength: 25 },
    )
    .map((rows) =>
      rows.map((r, i) =>
        Offer.parse({
          id: 700_000 + i,
          machine_id: r.machine,
          host_id: 3,
          gpu_name: r.gpu,
          num_gpus: r.numGpus,
          gpu_ram: r.ram,
          dph_total: r.dph,
          reliability2: 0.99,
          geolocation: "US",
        }),
      ),
    );
}

export interface Scenario {
  fleet: string;
  now: number;
  config: FleetConfig;
  listed: Listed[];
  state: FleetState;
  offers: Offer[];
  gpu: string | null;
}

/**
 * A state the keeper could have reached: pending launches (some already listed), upgrades between
 * listed workers or towards pending launches, a breaker, credit pause, holds, host strikes and
 * launch history. Upgrades in flight never exceed the config's maxConcurrentUpgrades, which the
 * planner enforces when it starts them.
 */
function stateArb(fleet: string, now: number, config: FleetConfig, listed: Listed[]): fc.Arbitrary<FleetState> {
  const owned = workersOf(fleet, listed);
  const ids = listed.map((l) => l.instance.id);
  const pendingArb = fc.array(
    fc.record({
      slot: fc.integer({ min: 0, max: MAX_SLOT }),
      // Either a launch that is already listed (an id we saw) or one still invisible.
      listedIdx: fc.option(fc.integer({ min: 0, max: Math.max(0, ids.length - 1) }), { nil: null }),
      agoS: fc.integer({ min: 0, max: 1200 }),
      dph,
      gpu: fc.constantFrom(...GPUS),
    }),
    { maxLength: 3 },
  );
  const upgradeArb = fc.array(
    fc.record({
      oldIdx: fc.integer({ min: 0, max: Math.max(0, owned.length - 1) }),
      newIdx: fc.option(fc.integer({ min: 0, max: Math.max(0, owned.length - 1) }), { nil: null }),
      agoS: fc.integer({ min: 0, max: 3600 }),
    }),
    { maxLength: config.maxConcurrentUpgrades },
  );
  return fc
    .record({
      pending: pendingArb,
      upgrades: upgradeArb,
      launchesAgoS: fc.array(fc.integer({ min: 0, max: 7200 }), { maxLength: 30 }),
      breakerOpen: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      breakerSinceAgoS: fc.integer({ min: 0, max: 7200 }),
      probeAgoS: fc.option(fc.integer({ min: 0, max: 7200 }), { nil: null }),
      creditPause: fc.option(fc.integer({ min: -600, max: 600 }), { nil: null, freq: 4 }),
      launchHold: fc.option(fc.constant("weights missing on Hugging Face"), { nil: null, freq: 8 }),
      scanAgoS: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: null }),
      strikes: fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 3 }), fc.boolean()), { maxLength: 6 }),
      cooldownAgoS: fc.array(fc.tuple(fc.integer({ min: 0, max: MAX_SLOT }), fc.integer({ min: 0, max: 7200 })), { maxLength: 3 }),
      ramFloor: fc.option(fc.constantFrom(10_000, 20_000), { nil: null }),
    })
    .map((r) => {
      const s = emptyState();
      let fresh = 900_000;
      const pendingLaunches: PendingLaunch[] = r.pending.map((p) => ({
        slot: p.slot,
        instanceId: p.listedIdx !== null && ids.length > 0 ? ids[p.listedIdx]! : fresh++,
        offerId: fresh++,
        machineId: 100 + p.slot,
        gpuName: p.gpu,
        dph: p.dph,
        at: now - p.agoS * 1000,
        upgradeOf: null,
        reason: "generated",
      }));
      const upgrades: Upgrade[] = [];
      const usedInUpgrade = new Set<number>();
      for (const u of r.upgrades) {
        const old = owned[u.oldIdx];
        if (!old || usedInUpgrade.has(old.instance.id)) continue;
        const listedNew = u.newIdx === null ? undefined : owned[u.newIdx];
        let newId: number;
        // A listed replacement carries its slot's label, as launches always do.
        if (
          listedNew &&
          listedNew.slot === old.slot &&
          listedNew.instance.id !== old.instance.id &&
          !usedInUpgrade.has(listedNew.instance.id)
        ) {
          newId = listedNew.instance.id;
        } else {
          // The new instance is not listed yet: it is a pending launch of the same slot.
          newId = fresh++;
          pendingLaunches.push({
            slot: old.slot,
            instanceId: newId,
            offerId: fresh++,
            machineId: 200 + old.slot,
            gpuName: "RTX 3090",
            dph: 0.05,
            at: now - u.agoS * 1000,
            upgradeOf: old.instance.id,
            reason: "generated",
          });
        }
        usedInUpgrade.add(old.instance.id).add(newId);
        upgrades.push({ slot: old.slot, oldId: old.instance.id, newId, startedAt: now - u.agoS * 1000, reason: "generated" });
      }
      s.pendingLaunches = pendingLaunches;
      s.upgrades = upgrades;
      s.launches = r.launchesAgoS.map((a) => ({ at: now - a * 1000, ok: true }));
      s.breaker = r.breakerOpen
        ? {
            open: true,
            reason: "generated",
            since: now - r.breakerSinceAgoS * 1000,
            failures: 5,
            recentFailures: [],
            lastProbeAt: r.probeAgoS === null ? null : now - r.probeAgoS * 1000,
          }
        : s.breaker;
      s.creditPausedUntil = r.creditPause === null ? null : now + r.creditPause * 1000;
      s.launchHold = r.launchHold;
      s.lastMarketScanAt = r.scanAgoS === null ? null : now - r.scanAgoS * 1000;
      for (const [machineId, strikes, blocked] of r.strikes) {
        s.hosts[String(machineId)] = {
          machineId,
          strikes,
          lastStrikeAt: now - HOUR,
          lastStrike: null,
          blockedReason: blocked ? "No CUDA on this host" : null,
          gamesPerSec: null,
          samples: 0,
          measuredAt: null,
          gpuName: null,
          sharedFrom: null,
        };
      }
      for (const [slot, ago] of r.cooldownAgoS) s.slotCooldowns[String(slot)] = now - ago * 1000;
      if (r.ramFloor) s.vramFloorMb = r.ramFloor;
      // The pass forgets pending destroys whose instance is gone; here they may name anything, even foreign ids.
      s.pendingDestroys = ids
        .slice(0, 2)
        .map((instanceId) => ({ instanceId, label: "generated", reason: "generated", cause: "dead" as const, at: now - MIN, attempts: 1 }));
      return s;
    });
}

export function scenarioArb(): fc.Arbitrary<Scenario> {
  return fc
    .record({
      fleet: fc.constantFrom(...FLEETS),
      // Clocks anywhere within a week of the base, at ms resolution.
      now: fc.integer({ min: BASE_NOW, max: BASE_NOW + 7 * 24 * HOUR }),
      config: configArb(),
      size: fc.integer({ min: 0, max: 14 }),
      offers: offersArb(),
      gpu: fc.option(fc.constantFrom("RTX_3090", "RTX 3060 Ti", "RTX_4090", "H100"), { nil: null, freq: 5 }),
    })
    .chain(({ fleet, now, config, size, offers, gpu }) =>
      fc
        .tuple(...Array.from({ length: size }, (_, i) => listedArb(fleet, now, 1000 + i)))
        .chain((listed) => stateArb(fleet, now, config, listed).map((state) => ({ fleet, now, config, listed, state, offers, gpu }))),
    );
}
