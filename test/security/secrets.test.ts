import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
// The Worker first: its API schemas extend zod when loaded, before any other module builds a schema.
import worker from "../../src/index";
import { DEFAULTS } from "../../src/config/fleet";
import { onstartScript } from "../../src/reconcile/launch";
import { ADMIN, READ, call, createFleet, resetMarket, sim } from "../api/helpers";

/**
 * "No secret in any response, log line, event or alert": drive real cron passes and API calls
 * against the simulator, capture every answer (body and headers), every console line, every
 * stored event and every Slack payload, and search them all for the known test secrets
 * (vitest.config.ts) and for foreign token-shaped strings that a worker's logs echo.
 */

const SLACK_URL = "https://hooks.slack.com/services/T0TEST/B0TEST/slack-hook-SECRET";
/** Every secret vitest.config.ts binds, and distinctive fragments of them. */
const KNOWN = [
  "test-admin-token-SECRET",
  "test-read-token-SECRET",
  "test-vast-key-SECRET",
  "hf_test_SECRET",
  SLACK_URL,
  "slack-hook-SECRET",
  "B0TEST/slack",
];
/** Credentials that are not ours but that a worker prints (its env, an HTTP header, a webhook). */
const FOREIGN = ["hf_FOREIGNtoken12345678", "foreignbearer0123456789", "https://hooks.slack.com/services/TFOREIGN/BFOREIGN/foreignhook99"];
/** What the leaky worker is told its id is: its logs print it in every "Starting worker" line. */
const LEAKY_ID = `HF_TOKEN=hf_test_SECRET token=${FOREIGN[0]} Authorization: Bearer ${FOREIGN[1]} hook ${FOREIGN[2]} vast ${"test-vast-key-SECRET"}`;

const PAUSED = "sec-paused";
const ACTIVE = "sec-active";
const TICKS = 25;

const seen: { where: string; text: string }[] = [];
const logged: string[] = [];

function record(where: string, text: string): void {
  seen.push({ where, text });
}

function leaks(text: string): string[] {
  return [...KNOWN, ...FOREIGN].filter((s) => text.includes(s));
}

async function tick(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function api(path: string, method = "GET", token: string | null = ADMIN, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await call(path, body === undefined ? { method, token } : { method, token, body });
  record(`${method} ${path} body`, res.text);
  record(`${method} ${path} headers`, [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n"));
  return res;
}

let leakyId = 0;

beforeAll(async () => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(
        args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack ?? ""}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "),
      );
    });
  }
  await resetMarket(11);
  await createFleet(PAUSED, { workers: 0, paused: true });
  await createFleet(ACTIVE, { workers: 2, maxDph: 2, uploadInterval: 3600 });

  // A worker of the paused fleet whose logs print secrets: launched straight through the simulator's
  // Vast API (as a person with the CLI would), so the keeper only watches it.
  const { offers } = (await sim("/api/v0/bundles/", { rentable: { eq: true }, order: [["dph_total", "asc"]] })) as {
    offers: { id: number }[];
  };
  const offer = offers[0];
  if (!offer) throw new Error("the simulated market has no offers");
  const created = (await sim(
    `/api/v0/asks/${offer.id}/`,
    {
      image: "pytorch/pytorch",
      label: `${PAUSED}-worker-vast-0`,
      disk: 10,
      onstart: onstartScript(DEFAULTS),
      env: { WORKER_ID: LEAKY_ID, HF_TOKEN: "hf_test_SECRET" },
    },
    "PUT",
  )) as { new_contract: number };
  leakyId = created.new_contract;
  // The active fleet's first worker dies of a host fault, so a replacement (and its alert) happens.
  await sim("/__sim/control", { forceFault: { next: "no_cuda" } });

  for (let i = 0; i < TICKS; i++) {
    await sim("/__sim/advance", { seconds: 60 });
    // A few ticks with Vast failing everywhere: error paths carry upstream text into events.
    if (i === 12) await sim("/__sim/control", { apiFaults: { rate5xx: 1 } });
    if (i === 14) await sim("/__sim/control", { apiFaults: { rate5xx: 0, rateMalformed: 1 } });
    if (i === 16) await sim("/__sim/control", { apiFaults: { rateMalformed: 0 } });
    await tick();
    if (i % 6 === 0) {
      await api("/status");
      await api(`/status?format=text&fleet=${PAUSED}`);
      await api(`/events?fleet=${PAUSED}&limit=1000`);
      await api("/fleets");
      await api(`/fleets/${ACTIVE}`);
      await api("/healthz", "GET", null);
      await api(`/reconcile?fleet=${ACTIVE}&dry_run=1`, "POST");
      await api(`/instances/${leakyId}/logs?fleet=${PAUSED}&tail=200`, "GET", READ);
    }
  }
  // Error answers too: a wrong token, a bad body, an unknown route, a fleet that does not exist.
  await api("/status", "GET", "wrong-token-0123456789");
  await api(`/fleets/${ACTIVE}`, "PUT", ADMIN, { workers: "many" });
  await api("/no/such/route");
  await api("/events?fleet=nope");
  await api("/openapi.json");
  await api(`/instances/${leakyId}/logs?fleet=${ACTIVE}`);
}, 120_000);

afterAll(() => {
  vi.restoreAllMocks();
});

describe("secrets never leave", () => {
  it("the scenario really exercised passes, errors and the leaky logs", async () => {
    const events = await env.FLEET.getByName(PAUSED).events(PAUSED, 1000, null);
    expect(events.length).toBeGreaterThan(0);
    const active = await env.FLEET.getByName(ACTIVE).events(ACTIVE, 1000, null);
    expect(active.some((e) => e.action === "launch" && e.ok)).toBe(true);
    expect(active.some((e) => e.action === "error")).toBe(true);
    const logs = seen.find((s) => s.where.startsWith(`GET /instances/${leakyId}/logs`) && s.text.includes("Starting worker"));
    expect(logs, "the leaky worker's logs were read through the API").toBeDefined();
  });

  it("no response body or header carries a secret", () => {
    expect(seen.length).toBeGreaterThan(50);
    const found = seen.flatMap((s) => leaks(s.text).map((l) => `${s.where}: ${l}`));
    expect(found).toEqual([]);
  });

  it("no console output carries a secret", () => {
    const found = logged.flatMap((line) => leaks(line).map((l) => `${l} in: ${line.slice(0, 200)}`));
    expect(found).toEqual([]);
  });

  it("no stored event carries a secret", async () => {
    for (const fleet of [PAUSED, ACTIVE]) {
      const events = await env.FLEET.getByName(fleet).events(fleet, 1000, null);
      const found = events.flatMap((e) => leaks(JSON.stringify(e)).map((l) => `${fleet} event ${e.action}: ${l}`));
      expect(found).toEqual([]);
    }
  });

  it("no stored pass report, state or status carries a secret", async () => {
    for (const fleet of [PAUSED, ACTIVE]) {
      const status = await env.FLEET.getByName(fleet).status(fleet);
      expect(leaks(JSON.stringify(status))).toEqual([]);
    }
  });

  it("no Slack payload carries a secret, and alerts were sent", async () => {
    const payloads: unknown[] = [];
    for (const fleet of [PAUSED, ACTIVE]) {
      const res = await fetch(`https://hooks.slack.com/__standin/received?fleet=${fleet}`);
      payloads.push(...((await res.json()) as { payload: unknown }[]).map((r) => r.payload));
    }
    expect(payloads.length).toBeGreaterThan(0);
    expect(payloads.flatMap((p) => leaks(JSON.stringify(p)))).toEqual([]);
  });
});

describe("log redaction", () => {
  it("redacts tokens, bearer headers and webhook URLs from a worker's logs, keeping the rest", async () => {
    const res = await api(`/instances/${leakyId}/logs?fleet=${PAUSED}&tail=500`);
    expect(res.status).toBe(200);
    const { text } = JSON.parse(res.text) as { text: string | null };
    expect(text).toContain("Starting worker");
    expect(text).toContain("[redacted]");
    expect(leaks(text ?? "")).toEqual([]);
    // The surrounding line survives, so the logs are still useful.
    expect(text).toMatch(/GPU OK: NVIDIA GeForce/);
  });

  it("never serves the logs of an instance that is not the fleet's", async () => {
    const res = await api(`/instances/${leakyId}/logs?fleet=${ACTIVE}`);
    expect(res.status).toBe(404);
  });
});
