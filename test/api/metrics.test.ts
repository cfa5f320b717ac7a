import parsePrometheus from "parse-prometheus-text-format";
import { beforeEach, describe, expect, it } from "vitest";
import { metricsText } from "../../src/api/metrics";
import type { FleetStatus } from "../../src/fleet/status";
import { PHASES } from "../../src/reconcile/state";
import { call, callJson, createFleet, READ, resetMarket, sim } from "./helpers";

interface Status {
  fleets: FleetStatus[];
}

/** Every sample line of the exposition format (0.0.4): a metric name, optional {labels}, a value. */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;

const value = (families: ReturnType<typeof parsePrometheus>, name: string, labels: Record<string, string>) =>
  families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;

describe("GET /metrics", () => {
  beforeEach(() => resetMarket(21));

  it("answers the fleets in Prometheus' text format, read token enough, parsed by parse-prometheus-text-format", async () => {
    await createFleet("metered", { maxDph: 1, bounceWindowS: 0 });
    await callJson("/scale?fleet=metered&n=3", { method: "POST" });
    for (let i = 0; i < 8; i++) {
      await sim("/__sim/advance", { seconds: 120 });
      await callJson("/reconcile?fleet=metered", { method: "POST" });
    }
    const res = await call("/metrics", { token: READ });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    // The grammar, line by line: comments are HELP or TYPE, every other line a sample.
    for (const line of res.text.trimEnd().split("\n")) {
      if (line.startsWith("#")) expect(line).toMatch(/^# (HELP [a-z_]+ .+|TYPE [a-z_]+ (gauge|counter))$/);
      else expect(line).toMatch(SAMPLE);
    }
    const families = parsePrometheus(res.text);
    expect(families.every((f) => f.name.startsWith("vastfleet_") && f.help.length > 20)).toBe(true);
    const status = (await callJson<Status>("/status?fleet=metered")).fleets[0]!;
    expect(value(families, "vastfleet_target_workers", { fleet: "metered" })).toBe("3");
    for (const phase of PHASES) {
      expect(value(families, "vastfleet_workers", { fleet: "metered", phase })).toBe(
        String(status.instances.filter((i) => i.phase === phase).length),
      );
    }
    expect(Number(value(families, "vastfleet_dollars_per_hour", { fleet: "metered" }))).toBe(status.totals.dph);
    expect(Number(value(families, "vastfleet_games_per_second", { fleet: "metered" }))).toBe(status.totals.gamesPerSec);
    expect(Number(value(families, "vastfleet_launches_total", { fleet: "metered", cause: "slot" }))).toBeGreaterThanOrEqual(3);
    expect(value(families, "vastfleet_passes_total", { fleet: "metered" })).toBe(String(status.usage.passes));
    expect(value(families, "vastfleet_breaker_open", { fleet: "metered" })).toBe("0");
    expect(Number(value(families, "vastfleet_last_pass_subrequests", { fleet: "metered" }))).toBe(status.lastPass!.subrequests);
    // The books: counters kept in the fleet's state, equal to /status's money.
    expect(Number(value(families, "vastfleet_spent_dollars_total", { fleet: "metered" }))).toBe(status.money.spent.total);
    expect(status.money.spent.total).toBeGreaterThan(0);
    expect(Number(value(families, "vastfleet_games_delivered_total", { fleet: "metered" }))).toBe(status.money.games.total);
    const runway = value(families, "vastfleet_credit_runway_hours", { fleet: "metered" });
    expect(runway === undefined ? null : Number(runway)).toBe(status.credit.runwayHours);
    expect(families.find((f) => f.name === "vastfleet_spent_dollars_total")?.type).toBe("COUNTER");
    expect(families.find((f) => f.name === "vastfleet_games_delivered_total")?.type).toBe("COUNTER");
    expect(families.find((f) => f.name === "vastfleet_launches_total")?.type).toBe("COUNTER");
    expect(families.find((f) => f.name === "vastfleet_workers")?.type).toBe("GAUGE");
  });

  it("escapes label values and HELP as the format asks", () => {
    const base = {
      fleet: 'a"b\\c\nd',
      usage: { launches: {}, destroys: {}, passes: 0, passErrors: 0 },
      instances: [],
      totals: { dph: 0, gamesPerSec: 0, gamesPerDollar: null },
      breaker: { open: false },
      paused: false,
      target: 1,
      lastPass: null,
      hfCommits: null,
      alerts: { credit: null },
      credit: { runwayHours: null },
      money: { spent: { total: 0 }, games: { total: 0 } },
    };
    const text = metricsText([base as unknown as FleetStatus]);
    expect(text).toContain('vastfleet_target_workers{fleet="a\\"b\\\\c\\nd"} 1');
    expect(value(parsePrometheus(text), "vastfleet_target_workers", { fleet: 'a"b\\c\nd' })).toBe("1");
  });

  it("needs a token", async () => {
    expect((await call("/metrics", { token: null })).status).toBe(401);
  });
});
