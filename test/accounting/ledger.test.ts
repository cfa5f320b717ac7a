import { describe, expect, it } from "vitest";
import { advanceLearnerStep } from "../../src/accounting/learner";
import {
  advanceLedger,
  billingRate,
  emptyLedger,
  KEEP_ABSENT_MS,
  Ledger as LedgerSchema,
  LEDGER_HOURS,
  type Ledger,
  type LedgerReading,
  type LedgerWorker,
  MAX_GAP_MS,
} from "../../src/accounting/ledger";
import { moneyView } from "../../src/accounting/views";
import { HOUR_MS } from "../../src/format";
import { emptyState, FleetState } from "../../src/reconcile/state";

/** The fleet's own books: price × billed time per instance, disk included, and games delivered. */

const MIN = 60_000;
/** 2026-12-02T00:00Z: a UTC midnight, so "today" has an edge to test. */
const MIDNIGHT = Date.UTC(2026, 11, 2);
const T0 = MIDNIGHT + 10 * HOUR_MS;

function w(id: number, rate: number, over: Partial<LedgerWorker> = {}): LedgerWorker {
  return { id, gpu: "RTX 3060", rate, uploaded: null, startedAt: T0 - HOUR_MS, ...over };
}

const reading = (workers: LedgerWorker[], destroyed: number[] = []): LedgerReading => ({ workers, destroyed });

/** Passes at each of `times`, every one seeing what `at(t)` returns. */
function run(times: number[], at: (t: number) => LedgerReading | null, start: Ledger = emptyLedger()): Ledger {
  return times.reduce((l, t) => advanceLedger(l, at(t), t), start);
}

const every = (from: number, to: number, step = MIN) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe("billingRate: what Vast bills in each status", () => {
  it.each([
    ["running", 0.1, 0.002, 0.1],
    ["loading", 0.1, 0.002, 0.1],
    ["exited", 0.1, 0.002, 0.002],
    ["stopped", 0.1, 0.002, 0.002],
    ["created", 0.1, 0.002, 0.002],
    ["offline", 0.1, 0.002, 0.002],
    [null, 0.1, 0.002, 0.002],
    ["stopped", 0.1, null, 0],
    ["running", null, 0.002, 0],
  ])("%s at dph %s, disk %s $/h bills %s $/h", (status, dph, storageDph, rate) => {
    expect(billingRate({ status, dph, storageDph })).toBe(rate);
  });
});

describe("an interruptible worker's bill", () => {
  // Outbid, Vast pauses the instance (listed stopped, intended running: docs/vast-interruptible.md) and bills its disk only.
  it("bills the bid while it runs, only the disk while outbid, and the bid again once resumed", () => {
    const bid = 0.05;
    const disk = 0.003;
    const statusAt = (t: number) => (t < T0 + HOUR_MS ? "running" : t < T0 + 2 * HOUR_MS ? "stopped" : "running");
    const l = run(every(T0, T0 + 3 * HOUR_MS), (t) => reading([w(1, billingRate({ status: statusAt(t), dph: bid, storageDph: disk }))]));
    expect(l.spent).toBeCloseTo(bid + disk + bid, 6);
  });
});

describe("billingRate: a price the books cannot store is none", () => {
  it.each([
    ["running", -0.5, 0.002],
    ["running", Number.NaN, 0.002],
    ["running", Number.POSITIVE_INFINITY, 0.002],
    ["loading", Number.NEGATIVE_INFINITY, 0.002],
    ["stopped", 0.1, -0.002],
    ["exited", 0.1, Number.NaN],
    ["offline", 0.1, Number.POSITIVE_INFINITY],
  ])("%s at dph %s, disk %s $/h bills 0, and the books stay valid", (status, dph, storageDph) => {
    const rate = billingRate({ status, dph, storageDph });
    expect(rate).toBe(0);
    const l = run([T0, T0 + MIN, T0 + 2 * MIN], () => reading([w(1, rate)]));
    expect(LedgerSchema.safeParse(l).success).toBe(true);
  });
});

describe("advanceLedger", () => {
  it("starts the books at the first reading and bills nothing before it", () => {
    const l = advanceLedger(emptyLedger(), reading([w(1, 0.12)]), T0);
    expect(l).toMatchObject({ since: T0, at: T0, spent: 0, games: 0, hours: [] });
    expect(l.instances["1"]).toEqual({ rate: 0.12, gpu: "RTX 3060", uploaded: 0, seenAt: T0 });
  });

  it("bills an hour of passes a minute apart as one hour at the price, in that hour's bucket", () => {
    const l = run(every(T0, T0 + HOUR_MS), () => reading([w(1, 0.12), w(2, 0.08, { gpu: "RTX 3070" })]));
    expect(l.spent).toBeCloseTo(0.2, 6);
    expect(l.byGpu["RTX 3060"]?.spent).toBeCloseTo(0.12, 6);
    expect(l.byGpu["RTX 3070"]?.spent).toBeCloseTo(0.08, 6);
    expect(l.hours).toHaveLength(1);
    expect(l.hours[0]?.[0]).toBe(T0 / HOUR_MS);
  });

  it("bills between two passes at the earlier reading's rate", () => {
    const l = run([T0, T0 + 30 * MIN, T0 + HOUR_MS], (t) => reading([w(1, t < T0 + 30 * MIN ? 0.1 : 0.3)]));
    expect(l.spent).toBeCloseTo(0.05 + 0.15, 6);
  });

  it("counts a long gap (object restart, missed cron) once, capped, and never twice", () => {
    const see = () => reading([w(1, 0.1)]);
    const before = run([T0], see);
    const after = advanceLedger(before, see(), T0 + 3 * HOUR_MS);
    expect(after.spent).toBeCloseTo(0.1 * (MAX_GAP_MS / HOUR_MS), 6);
    // The same pass recorded again (a retried RPC) adds nothing; the next minute adds a minute.
    expect(advanceLedger(after, see(), T0 + 3 * HOUR_MS).spent).toBe(after.spent);
    expect(advanceLedger(after, see(), T0 + 3 * HOUR_MS + MIN).spent).toBeCloseTo(after.spent + 0.1 / 60, 6);
  });

  it("bills an instance created between two passes from its creation, at its first reading's rate", () => {
    const l = run([T0, T0 + 2 * MIN, T0 + 3 * MIN], (t) =>
      reading(t === T0 ? [] : [w(1, t === T0 + 2 * MIN ? 0.003 : 0.6, { startedAt: T0 + 30_000 })]),
    );
    expect(l.spent).toBeCloseTo((0.003 * 1.5) / 60 + 0.003 / 60, 9);
  });

  it("bills nothing for a pass that saw nothing; the next one bills the time", () => {
    const l = run([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN], (t) => (t === T0 + MIN || t === T0 + 2 * MIN ? null : reading([w(1, 0.6)])));
    expect(l.spent).toBeCloseTo(0.03, 6);
  });

  it("stops billing a worker destroyed mid-hour at the destroy", () => {
    // Destroyed by the pass at T0+30m (acknowledged), gone from the next listing.
    const l = run(every(T0, T0 + HOUR_MS), (t) =>
      t < T0 + 30 * MIN
        ? reading([w(1, 0.1), w(2, 0.2)])
        : t === T0 + 30 * MIN
          ? reading([w(1, 0.1), w(2, 0.2)], [2])
          : reading([w(1, 0.1)]),
    );
    expect(l.spent).toBeCloseTo(0.1 + 0.2 / 2, 6);
    // Kept a day for its uploads, billing nothing.
    expect(l.instances["2"]).toMatchObject({ rate: 0, seenAt: T0 + 30 * MIN });
  });

  it("bills a worker that vanished without our destroy until the pass that saw it gone", () => {
    const l = run([T0, T0 + 20 * MIN, T0 + 40 * MIN], (t) => reading(t === T0 ? [w(1, 0.3)] : []));
    expect(l.spent).toBeCloseTo(0.1, 6);
    // Kept a day for its uploads, should it be listed again; not billed while it is not.
    expect(l.instances).toEqual({ "1": { rate: 0.3, gpu: "RTX 3060", uploaded: 0, seenAt: T0 } });
  });

  it("bills only the disk while an instance is stopped or exited, and the GPU again while it loads", () => {
    const status = (t: number) => (t < T0 + HOUR_MS ? "running" : t < T0 + 3 * HOUR_MS ? "stopped" : "loading");
    const l = run(every(T0, T0 + 4 * HOUR_MS, 5 * MIN), (t) =>
      reading([w(1, billingRate({ status: status(t), dph: 0.1, storageDph: 0.003 }))]),
    );
    expect(l.spent).toBeCloseTo(0.1 + 2 * 0.003 + 0.1, 6);
  });

  it("counts games delivered: growth of each worker's uploads, from zero when its worker restarts", () => {
    const uploads = [0, 512, 512, 1024, 256, 768];
    const l = run(
      uploads.map((_, i) => T0 + i * MIN),
      (t) => reading([w(1, 0.1, { uploaded: uploads[(t - T0) / MIN] ?? null })]),
    );
    expect(l.games).toBe(1024 + 768);
    // A pass whose logs show no upload changes nothing.
    expect(advanceLedger(l, reading([w(1, 0.1, { uploaded: null })]), T0 + 10 * MIN).games).toBe(l.games);
  });

  it("counts a new worker's uploads whole, but not those of a worker older than the books", () => {
    const first = advanceLedger(emptyLedger(), reading([w(1, 0.1, { uploaded: 5000, startedAt: T0 - HOUR_MS })]), T0);
    expect(first.games).toBe(0);
    const l = advanceLedger(first, reading([w(1, 0.1, { uploaded: 5000 }), w(2, 0.1, { uploaded: 256, startedAt: T0 + 1 })]), T0 + 2 * MIN);
    expect(l.games).toBe(256);
  });

  // Worker 1 (newer than the books) has delivered 1000 games, is missing from the listings for `absent`
  // (two passes see it gone), then comes back.
  it.each([
    ["two passes", 1500, 1500, 2 * MIN],
    ["23 hours", 1500, 1500, 23 * HOUR_MS],
    ["23 hours, its counter restarted", 300, 1300, 23 * HOUR_MS],
    ["25 hours (forgotten: counted whole again)", 1500, 2500, KEEP_ABSENT_MS + HOUR_MS],
  ])("an instance absent for %s, then back: %d uploaded is %d games in all", (_what, back, games, absent) => {
    const one = (uploaded: number) => reading([w(1, 0.1, { uploaded, startedAt: T0 + 1 }), w(2, 0.05)]);
    const gone = reading([w(2, 0.05)]);
    const backAt = T0 + 2 * MIN + absent;
    const l = run([T0, T0 + MIN, T0 + 2 * MIN, backAt - MIN, backAt], (t) =>
      t === T0 ? one(0) : t === T0 + MIN ? one(1000) : t === backAt ? one(back) : gone,
    );
    expect(l.games).toBe(games);
    // Worker 1 bills while listed and, back, from the pass before (as one created between two passes), not
    // while it was only kept. Worker 2 bills throughout, each gap capped at an hour.
    const second = 3 * MIN + Math.min(absent - MIN, MAX_GAP_MS);
    expect(l.spent).toBeCloseTo((0.1 * 3 * MIN + 0.05 * second) / HOUR_MS, 9);
    expect(LedgerSchema.safeParse(l).success).toBe(true);
  });

  it("keeps 7 days of hourly buckets, small enough for the object's state", () => {
    const workers = Array.from({ length: 8 }, (_, i) => w(i, 0.07 + i / 1000, { gpu: i % 2 ? "RTX 3070" : "RTX 3060" }));
    const times = every(T0, T0 + 9 * 24 * HOUR_MS, 5 * MIN);
    const l = run(times, (t) => reading(workers.map((x) => ({ ...x, uploaded: Math.floor((t - T0) / 60_000) * 4 }))));
    expect(l.hours).toHaveLength(LEDGER_HOURS);
    expect(l.hours[0]?.[0]).toBe(Math.floor(times.at(-1)! / HOUR_MS) - LEDGER_HOURS + 1);
    expect(l.spent).toBeCloseTo(workers.reduce((s, x) => s + x.rate, 0) * 9 * 24, 4);
    expect(JSON.stringify(l).length).toBeLessThan(6 * 1024);
  });
});

describe("moneyView: today, the last 24 h, since start", () => {
  it("cuts today at UTC midnight", () => {
    const l = run(every(MIDNIGHT - 30 * MIN, MIDNIGHT + 30 * MIN), () => reading([w(1, 1)]));
    const m = moneyView(l, MIDNIGHT + 30 * MIN);
    expect(m.spent).toEqual({ today: 0.5, last24h: 1, total: 1 });
    expect(m.since).toBe(MIDNIGHT - 30 * MIN);
  });

  it("rolls the 24-hour window, prorating its oldest hour", () => {
    const l = run(every(T0, T0 + HOUR_MS), (t) => reading([w(1, 2, { uploaded: Math.round((t - T0) / MIN) * 10, startedAt: T0 })]));
    expect(l.games).toBe(600);
    const at = (h: number) => moneyView(l, T0 + h * HOUR_MS);
    // The spend fell in [T0, T0+1h); the games at the last pass, T0+1h, in the next hour's bucket.
    expect(at(1.5).spent.last24h).toBe(2);
    expect(at(24.5).spent.last24h).toBe(1);
    expect(at(25).spent.last24h).toBe(0);
    expect(at(25).spent.total).toBe(2);
    expect(at(1.5).gamesPerDollar).toEqual({ today: 300, last24h: 300, total: 300 });
    expect(at(26).gamesPerDollar.last24h).toBeNull();
  });

  it("answers null games per dollar before any money is spent", () => {
    expect(moneyView(emptyLedger(), T0).gamesPerDollar).toEqual({ today: null, last24h: null, total: null });
  });
});

describe("stored states", () => {
  it("reads a state saved before the books as empty books", () => {
    const { ledger: _l, learnerStep: _s, ...old } = emptyState();
    const parsed = FleetState.parse(JSON.parse(JSON.stringify(old)));
    expect(parsed.ledger).toEqual(emptyLedger());
    expect(parsed.learnerStep).toBeNull();
  });
});

describe("advanceLearnerStep", () => {
  it.each([
    ["first sighting", null, [142, null], { step: 142, movedAt: T0 }],
    ["no worker knows", { step: 142, movedAt: 1 }, [null], { step: 142, movedAt: 1 }],
    ["unchanged", { step: 142, movedAt: 1 }, [142, 140], { step: 142, movedAt: 1 }],
    ["rose", { step: 142, movedAt: 1 }, [150, 142], { step: 150, movedAt: T0 }],
    ["the newest worker left", { step: 150, movedAt: 1 }, [142], { step: 150, movedAt: 1 }],
  ])("%s", (_name, mark, steps, expected) => {
    expect(
      advanceLearnerStep(
        mark,
        (steps as (number | null)[]).map((step) => ({ step })),
        T0,
      ),
    ).toEqual(expected);
  });
});
