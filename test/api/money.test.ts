import { abortAllDurableObjects } from "cloudflare:test";
import parsePrometheus from "parse-prometheus-text-format";
import { beforeAll, describe, expect, it } from "vitest";
import type { FleetStats } from "../../src/fleet/stats";
import type { FleetStatus } from "../../src/fleet/status";
import type { HistoryBody } from "../../src/api/contract";
import { call, callJson, createFleet, READ, resetMarket, sim } from "./helpers";

/** The fleet's own books through the real API, against what the simulator charged and received. */

interface SimState {
  now_ms: number;
  credit: number;
  hf: Record<string, { step: number; total_games: number }>;
}

const START_CREDIT = 1000;
const HOURS = 2;
const STEP_S = 120;

const metric = (text: string, name: string) =>
  Number(
    parsePrometheus(text)
      .find((f) => f.name === name)
      ?.metrics.find((m) => m.labels?.fleet === "books")?.value,
  );

describe("money, credit and learner in /status, /stats, /history and /metrics", () => {
  let status: FleetStatus;
  let market: SimState;

  beforeAll(async () => {
    await resetMarket(21);
    await createFleet("books", { maxDph: 1, bounceWindowS: 0 });
    await callJson("/scale?fleet=books&n=3", { method: "POST" });
    for (let i = 0; i < (HOURS * 3600) / STEP_S; i++) {
      await sim("/__sim/advance", { seconds: STEP_S });
      await callJson("/reconcile?fleet=books", { method: "POST" });
    }
    status = (await callJson<{ fleets: FleetStatus[] }>("/status?fleet=books")).fleets[0]!;
    market = (await sim("/__sim/state")) as SimState;
  }, 120_000);

  it("spends what the simulator charged the account, within 1%", () => {
    const charged = START_CREDIT - market.credit;
    expect(charged).toBeGreaterThan(0.1);
    // The simulator bills from loading and nothing for a boot it abandoned; the ledger bills a new
    // instance from its creation at its first reading's rate, and the disk of one not yet loading.
    expect(Math.abs(status.money.spent.total - charged)).toBeLessThan(0.01 * charged + 0.003);
    expect(status.money.spent.today).toBeLessThanOrEqual(status.money.spent.last24h);
    expect(status.money.spent.last24h).toBe(status.money.spent.total);
    expect(status.money.since).toBeLessThan(market.now_ms - (HOURS - 0.1) * 3_600_000);
  });

  it("counts the games that reached the simulated Hugging Face", () => {
    const uploaded = Object.values(market.hf).reduce((s, m) => s + m.total_games, 0);
    expect(uploaded).toBeGreaterThan(0);
    expect(status.money.games.total).toBe(uploaded);
    expect(status.money.games.last24h).toBe(uploaded);
    expect(status.money.gamesPerDollar.total! / (status.money.games.total / status.money.spent.total)).toBeCloseTo(1, 3);
  });

  it("reads the credit and its runway at the fleet's burn, with the alert's threshold in hours", () => {
    const { credit } = status;
    expect(credit.balance).not.toBeNull();
    expect(credit.balance!).toBeGreaterThanOrEqual(market.credit);
    expect(credit.burnPerHour).toBe(status.totals.dph);
    expect(credit.runwayHours! / (credit.balance! / credit.burnPerHour)).toBeCloseTo(1, 3);
    expect(credit.alertBelowHours).toBe(12);
  });

  it("shows the learner: the workers' step and when it rose, the examples' newest commit, no hold", () => {
    const { learner } = status;
    expect(learner.step).toBe(Math.max(...status.instances.map((i) => i.step ?? -1)));
    expect(learner.stepMovedAt).not.toBeNull();
    expect(learner.examplesCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(learner.examplesCommitAt).toBeLessThanOrEqual(status.now);
    expect(learner.hold).toBeNull();
    expect(learner.alerts).toEqual([]);
  });

  it("agrees in /stats, its text, /status's text and /metrics", async () => {
    const stats = await callJson<FleetStats>("/stats?fleet=books");
    expect(stats.money).toEqual(status.money);
    const line = `spent $${status.money.spent.today.toFixed(2)} today · $${status.money.spent.last24h.toFixed(2)} 24h · $${status.money.spent.total.toFixed(2)} total; ${status.money.games.total} games; ${status.money.gamesPerDollar.total} games/$`;
    expect((await call("/stats?fleet=books&format=text")).text).toContain(line);
    expect((await call("/status?fleet=books&format=text")).text).toContain(`books: ${line}`);
    const metrics = (await call("/metrics", { token: READ })).text;
    expect(metric(metrics, "vastfleet_spent_dollars_total")).toBe(status.money.spent.total);
    expect(metric(metrics, "vastfleet_games_delivered_total")).toBe(status.money.games.total);
    expect(metric(metrics, "vastfleet_credit_runway_hours")).toBe(status.credit.runwayHours);
    const families = parsePrometheus(metrics);
    expect(families.find((f) => f.name === "vastfleet_spent_dollars_total")?.type).toBe("COUNTER");
    expect(families.find((f) => f.name === "vastfleet_credit_runway_hours")?.type).toBe("GAUGE");
  });

  it("draws 7 days at an hour a point, games per dollar by GPU model, and the 24 h default unchanged", async () => {
    const week = await callJson<HistoryBody>("/history?fleet=books&window=7d");
    expect(week).toMatchObject({ fleet: "books", window: "7d", bucketMs: 3_600_000 });
    expect(week.points.length).toBeGreaterThanOrEqual(HOURS);
    expect(week.points.length).toBeLessThanOrEqual(HOURS + 1);
    const day = await callJson<HistoryBody>("/history?fleet=books");
    expect(day).toMatchObject({ window: "24h", bucketMs: 300_000 });
    expect(day.points.length).toBeGreaterThan(week.points.length);
    const last = day.points.at(-1)!;
    expect(last.dph).toBeCloseTo(status.totals.dph, 3);
    expect(last.byGpu.reduce((s, g) => s + g.dph, 0)).toBeCloseTo(last.dph, 3);
    expect(last.byGpu.reduce((s, g) => s + g.gamesPerSec, 0)).toBeCloseTo(last.gamesPerSec, 1);
    expect(last.gamesPerDollar! / ((last.gamesPerSec * 3600) / last.dph)).toBeCloseTo(1, 2);
    // Each hour is the mean of its 5-minute points.
    const hour = week.points.find((p) => day.points.filter((d) => d.at >= p.at && d.at < p.at + 3_600_000).length === 12)!;
    const inHour = day.points.filter((d) => d.at >= hour.at && d.at < hour.at + 3_600_000);
    expect(hour.dph).toBeCloseTo(inHour.reduce((s, d) => s + d.dph, 0) / 12, 3);
  });

  it("refuses an unknown window with a 400 naming the field", async () => {
    const res = await call("/history?fleet=books&window=30d");
    expect(res.status).toBe(400);
    expect(res.text).toContain("window");
  });

  it("keeps the books across a restart of the fleet's object, the time between counted once", async () => {
    await abortAllDurableObjects();
    await sim("/__sim/advance", { seconds: 600 });
    await callJson("/reconcile?fleet=books", { method: "POST" });
    const after = (await callJson<{ fleets: FleetStatus[] }>("/status?fleet=books")).fleets[0]!;
    const later = (await sim("/__sim/state")) as SimState;
    expect(after.usage.passes).toBe(1);
    const spent = after.money.spent.total - status.money.spent.total;
    const charged = market.credit - later.credit;
    expect(charged).toBeGreaterThan(0.02);
    expect(Math.abs(spent - charged)).toBeLessThan(0.01 * charged + 0.0002);
    const metrics = (await call("/metrics", { token: READ })).text;
    expect(metric(metrics, "vastfleet_spent_dollars_total")).toBe(after.money.spent.total);
  });
});
