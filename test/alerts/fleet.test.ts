import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FleetConfig } from "../../src/config/fleet";
import { FAULT_KINDS } from "../../src/sim/types";
import type { Received, SlackAnswer } from "./standins";

/**
 * Alerts through the real FleetObject against the embedded simulator (frozen clock; time moves
 * when a test advances it), with Slack answered by the stand-in behind miniflare's outboundService.
 */

const SECRETS = [
  "test-vast-key-SECRET",
  "hf_test_SECRET",
  "test-admin-token-SECRET",
  "test-read-token-SECRET",
  "slack-hook-SECRET",
  "SECRET",
];
const SLACK = "https://hooks.slack.com/__standin";

async function sim(path: string, body: unknown): Promise<{ now_ms: number }> {
  const res = await env.SIM.getByName("market").fetch(
    new Request(`http://vast-simulator${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    }),
  );
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { now_ms: number };
}

async function reset(seed: number): Promise<void> {
  await sim("/__sim/reset", { seed, speed: 0, credit: 1000, startMs: Date.UTC(2026, 5, 1, 2, 0, 0) });
  await sim("/__sim/control", {
    faultRates: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])),
    apiFaults: { rate429: 0, rate5xx: 0, rateMalformed: 0, delayMs: 0 },
  });
}

const obj = (name: string) => env.FLEET.getByName(name);

async function configure(name: string, patch: Partial<FleetConfig>): Promise<void> {
  const current = await obj(name).getConfig(name);
  if (!current.ok || !current.value.config) throw new Error("no config");
  const put = await obj(name).putConfig(name, { ...current.value.config, ...patch });
  if (!put.ok) throw new Error(put.message);
}

/** One cron pass a simulated minute later. */
async function pass(name: string, seconds = 60): Promise<void> {
  await sim("/__sim/advance", { seconds });
  const r = await obj(name).tick(name);
  if (!r.ran) throw new Error("pass did not run");
}

async function received(name: string): Promise<Received[]> {
  const all = (await (await fetch(`${SLACK}/received?fleet=${name}`)).json()) as Received[];
  for (const r of all) {
    expect(r.violations).toEqual([]);
    for (const s of SECRETS) expect(JSON.stringify(r.payload)).not.toContain(s);
  }
  return all;
}

async function answer(name: string, ...answers: SlackAnswer[]): Promise<void> {
  await fetch(`${SLACK}/answer`, { method: "POST", body: JSON.stringify({ fleet: name, answers }) });
}

const textOf = (r: Received | undefined) => JSON.stringify(r?.payload ?? null);

async function phases(name: string): Promise<string[]> {
  return (await obj(name).status(name)).instances.map((i) => i.phase);
}

describe("alerts through the fleet object", () => {
  it("missing weights: zero launches, one alert with the learner command; a 429 carries it to a later pass after Retry-After", async () => {
    await reset(11);
    const name = "al-hold";
    await answer(name, { status: 429, body: "rate_limited", retryAfter: 120 });
    await configure(name, { weightsName: "zeb-not-pushed" });
    await obj(name).scale(name, 2);
    for (let i = 0; i < 5; i++) await pass(name);
    const status = await obj(name).status(name);
    expect(status.launchHold).toMatch(/^Hugging Face: zeb-not-pushed\.pt not found/);
    expect(status.instances).toHaveLength(0);
    expect((await obj(name).events(name, 100, null)).filter((e) => e.action === "launch")).toHaveLength(0);
    const posts = await received(name);
    // scale's pass posted and got 429 (Retry-After 120 s); passes at +60 and +120 s wait; +180 s delivers.
    expect(posts).toHaveLength(2);
    expect(textOf(posts[1])).toContain("Weights zeb-not-pushed.pt missing");
    expect(textOf(posts[1])).toContain("--weights-name zeb-not-pushed --checkpoint YOUR_CHECKPOINT.pt --lr 1e-4 --batch-size 64 --wandb");
    expect(status.alerts.queued).toBe(0);
    expect(status.alerts.firing.map((f) => f.kind)).toEqual(["weights_missing"]);
  });

  it("a worker FATAL (then DEAD) for 10 passes gives one alert; once replaced, one message with the resolved and the replacement", async () => {
    await reset(12);
    const name = "al-fatal";
    await sim("/__sim/control", { forceFault: { next: "crash" } });
    await obj(name).scale(name, 1);
    // Paused once it runs, so that nothing replaces it when it crashes.
    for (let i = 0; i < 30 && !(await phases(name)).includes("RUNNING"); i++) await pass(name);
    await obj(name).setPaused(name, true);
    for (let i = 0; i < 60 && !["FATAL", "DEAD"].includes((await phases(name))[0] ?? ""); i++) await pass(name);
    expect(["FATAL", "DEAD"]).toContain((await phases(name))[0]);
    const before = (await received(name)).length;
    for (let i = 0; i < 10; i++) await pass(name);
    const during = (await received(name)).slice(before);
    expect(during).toHaveLength(1);
    expect(textOf(during[0])).toMatch(/(FATAL|DEAD) for \d+m\d+s and not replaced/);
    expect(textOf(during[0])).toContain("POST /resume");
    await obj(name).setPaused(name, false);
    await pass(name);
    const after = (await received(name)).slice(before + 1);
    expect(after).toHaveLength(1);
    expect(textOf(after[0])).toContain("Resolved: ");
    expect(textOf(after[0])).toMatch(/replaced: (fatal|dead)/);
    expect(textOf(after[0])).toContain("machine_id");
  });

  it("5 replacements in one pass give one message", async () => {
    await reset(13);
    const name = "al-five";
    await configure(name, { maxDph: 0.5, maxLaunchesPerPass: 5 });
    await obj(name).scale(name, 5);
    await pass(name);
    expect((await obj(name).status(name)).instances).toHaveLength(5);
    const before = (await received(name)).length;
    await configure(name, { maxDph: 0.01 });
    await pass(name);
    const posts = (await received(name)).slice(before);
    expect(posts).toHaveLength(1);
    const blocks = (posts[0]?.payload as { blocks: { type: string; text?: { text: string } }[] } | undefined)?.blocks ?? [];
    expect(blocks.filter((b) => b.type === "section" && /replaced: over_cost/.test(b.text?.text ?? ""))).toHaveLength(5);
  });

  it("a permanent Slack error shows in /status and is not retried", async () => {
    await reset(14);
    const name = "al-gone";
    await answer(name, { status: 404, body: "no_service" });
    await configure(name, { weightsName: "zeb-absent" });
    await obj(name).scale(name, 1);
    await configure(name, { maxDph: 0.02 });
    for (let i = 0; i < 3; i++) await pass(name, 600);
    const status = await obj(name).status(name);
    expect(status.alerts.slackError).toContain("no_service");
    expect(status.alerts.slackError).not.toContain("hooks.slack.com");
    expect(status.alerts.queued).toBeGreaterThan(0);
    expect(await received(name)).toHaveLength(1);
  });

  it("the watchdog alarm alerts when passes stopped, and the next pass resolves it", async () => {
    await reset(15);
    const name = "al-dog";
    await pass(name);
    const before = (await received(name)).length;
    expect(await runDurableObjectAlarm(obj(name))).toBe(true);
    expect(await received(name)).toHaveLength(before);
    await sim("/__sim/advance", { seconds: 6 * 60 });
    expect(await runDurableObjectAlarm(obj(name))).toBe(true);
    const stopped = (await received(name)).slice(before);
    expect(stopped).toHaveLength(1);
    expect(textOf(stopped[0])).toContain("Reconciler stopped: no pass for 6 minutes");
    expect((await obj(name).status(name)).alerts.firing.map((f) => f.kind)).toEqual(["reconciler_stopped"]);
    await pass(name);
    const back = (await received(name)).slice(before + 1);
    expect(back).toHaveLength(1);
    expect(textOf(back[0])).toContain("Resolved: Reconciler stopped");
  });
});
