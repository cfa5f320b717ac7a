import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { slotOf } from "../../src/config/fleet";
import { call, callJson, createFleet, launchForeign, resetMarket, simInstances } from "./helpers";

/** The operator's routes end to end: Worker fetch → fleet object → simulated Vast. */

interface Report {
  actions: { kind: string; label: string; ok: boolean }[];
  workers: { label: string }[];
  held: string[];
}

const labels = async (fleet: string) => (await simInstances()).map((i) => i.label).filter((l): l is string => slotOf(fleet, l) !== null);

beforeEach(async () => {
  await resetMarket();
});

describe("/down", () => {
  it("without confirm lists what it would destroy and destroys nothing", async () => {
    await createFleet("dn1", { workers: 0 });
    const mine = await launchForeign("dn1-worker-vast-0");
    const before = await simInstances();
    const res = await callJson<{ confirmed: boolean; wouldDestroy: { id: number }[]; message: string }>("/down?fleet=dn1", {
      method: "POST",
    });
    expect(res.confirmed).toBe(false);
    expect(res.wouldDestroy.map((i) => i.id)).toEqual([mine]);
    expect(res.message).toContain("confirm=dn1");
    const wrong = await callJson<{ confirmed: boolean }>("/down?fleet=dn1&confirm=zeb", { method: "POST" });
    expect(wrong.confirmed).toBe(false);
    expect(await simInstances()).toEqual(before);
  });

  it("of zeb destroys only zeb-worker-vast-*, never zeb-large's or unlabelled instances", async () => {
    await createFleet("zeb-large", { workers: 0 });
    const zeb = [await launchForeign("zeb-worker-vast-0"), await launchForeign("zeb-worker-vast-1")];
    const large = await launchForeign("zeb-large-worker-vast-0");
    const unlabelled = await launchForeign(null);
    const lookalike = await launchForeign("zeb-worker-vast-0-old");
    const res = await callJson<{ confirmed: boolean; destroyed: number[] }>("/down?confirm=zeb", { method: "POST" });
    expect(res.confirmed).toBe(true);
    expect(res.destroyed.sort()).toEqual(zeb.sort());
    const left = (await simInstances()).map((i) => i.id).sort();
    expect(left).toEqual([large, unlabelled, lookalike].sort());
    const status = await callJson<{ fleets: { fleet: string; target: number }[] }>("/status?fleet=zeb");
    expect(status.fleets[0]?.target).toBe(0);
    // Afterwards a pass does not bring the fleet back.
    await callJson("/reconcile", { method: "POST" });
    expect(await labels("zeb")).toEqual([]);
  });
});

describe("/scale under concurrency", () => {
  it("50 concurrent calls: 200 or 409 each, the last accepted n wins, no slot launched twice", async () => {
    const fleet = "conc";
    await createFleet(fleet, {
      workers: 0,
      maxWorkers: 64,
      uploadInterval: 3600,
      maxDph: 5,
      gpus: [
        "RTX 3060",
        "RTX 3060 Ti",
        "RTX 3070",
        "RTX 3070 Ti",
        "RTX 3080",
        "RTX 3080 Ti",
        "RTX 3090",
        "RTX 4060",
        "RTX 4070",
        "RTX 4090",
      ],
      maxLaunchesPerPass: 100,
      maxLaunchesPerHour: 1000,
      maxConcurrentUpgrades: 0,
    });
    // Targets up to 19: the simulated market lists 40-50 machines at a time, and other renters take some.
    const ns = Array.from({ length: 50 }, (_, i) => (i * 7) % 20);
    const answers = await Promise.all(ns.map((n) => call(`/scale?fleet=${fleet}&n=${n}`, { method: "POST" })));
    for (const a of answers) {
      expect([200, 409], a.text).toContain(a.status);
      if (a.status === 409) expect(a.headers.get("retry-after")).toBe("2");
    }
    const accepted = answers.filter((a) => a.status === 200).map((a) => (a.json() as { target: number }).target);
    expect(accepted.length).toBeGreaterThan(0);

    // The audit trail orders the accepted calls (its newest 1,000 events hold the later ones, the
    // passes' own events crowd out the earliest); the newest is the target that stands.
    const { events } = await callJson<{ events: { action: string; reason: string }[] }>(`/events?fleet=${fleet}&limit=1000`);
    const scales = events.filter((e) => e.action === "scale").map((e) => Number(/target set to (\d+)/.exec(e.reason)?.[1]));
    expect(scales.length).toBeGreaterThan(0);
    for (const n of scales) expect(accepted).toContain(n);
    const last = scales[0];
    const { fleets } = await callJson<{ fleets: { target: number }[] }>(`/status?fleet=${fleet}`);
    expect(fleets[0]?.target).toBe(last);

    // A few passes converge (a launch can need a pass to show up in the list); the count is then exact.
    let held = await labels(fleet);
    for (let i = 0; i < 6 && held.length !== last; i++) {
      await callJson(`/reconcile?fleet=${fleet}`, { method: "POST" });
      held = await labels(fleet);
    }
    expect(held.length).toBe(last);
    expect(new Set(held).size).toBe(held.length);
  });
});

describe("operator routes", () => {
  it("up with a GPU launches only that model; pause stops launches; resume restarts them", async () => {
    await createFleet("ops", { workers: 0, gpus: ["RTX 3060", "RTX 3090"], maxDph: 1 });
    const up = await callJson<{ added: number; gpu: string; report: Report }>("/up?fleet=ops&n=1&gpu=RTX_3090", { method: "POST" });
    expect(up.gpu).toBe("RTX 3090");
    const launched = up.report.actions.filter((a) => a.kind === "launch" && a.ok);
    expect(launched.length).toBe(1);
    const owned = (await simInstances()).filter((i) => slotOf("ops", i.label) !== null);
    expect(owned.map((i) => i.gpu_name)).toEqual(["RTX 3090"]);

    expect(await callJson("/pause?fleet=ops", { method: "POST" })).toMatchObject({ paused: true });
    await callJson("/scale?fleet=ops&n=3", { method: "POST" });
    expect((await labels("ops")).length).toBe(1);
    expect(await callJson("/resume?fleet=ops", { method: "POST" })).toMatchObject({ paused: false });
    await callJson("/reconcile?fleet=ops", { method: "POST" });
    expect((await labels("ops")).length).toBe(3);
  });

  it("up on a GPU model with no offer under the cap is a one-off like vast_up.sh: nothing launched, the target unchanged", async () => {
    await createFleet("up1", { workers: 1, gpus: ["RTX 3060", "RTX 4090"], maxDph: 0.2 });
    const up = await callJson<{ added: number; report: Report }>("/up?fleet=up1&n=2&gpu=RTX_4090", { method: "POST" });
    expect(up.added).toBe(0);
    expect(up.report.held.join(" ")).toMatch(/no offers for \d slot\(s\) on RTX 4090 under \$0.2\/h/);
    const { fleets } = await callJson<{ fleets: { target: number }[] }>("/status?fleet=up1");
    expect(fleets[0]?.target).toBe(1);
  });

  it("a dry run returns the plan with reasons and changes nothing", async () => {
    await createFleet("dry", { workers: 2, maxDph: 1 });
    const before = await simInstances();
    const plan = await callJson<{ dryRun: boolean; report: Report & { dryRun: boolean } }>("/reconcile?fleet=dry&dry_run=1", {
      method: "POST",
    });
    expect(plan.dryRun).toBe(true);
    expect(plan.report.actions.filter((a) => a.kind === "launch").length).toBe(2);
    expect(await simInstances()).toEqual(before);
  });

  it("logs of an owned instance come back redacted; another fleet's instance is 404", async () => {
    await createFleet("logs", { workers: 1, maxDph: 1 });
    await callJson("/reconcile?fleet=logs", { method: "POST" });
    const [label] = await labels("logs");
    const id = (await simInstances()).find((i) => i.label === label)?.id;
    const res = await call(`/instances/${id}/logs?fleet=logs&tail=20`);
    expect([200, 503]).toContain(res.status);
    if (res.status === 200) expect(res.json()).toMatchObject({ id, label });
    const foreign = await launchForeign("other-worker-vast-0");
    const denied = await call(`/instances/${foreign}/logs?fleet=logs`);
    expect(denied.status).toBe(404);
  });

  it("events are newest first and honour limit and since", async () => {
    await createFleet("ev", { workers: 0 });
    await callJson("/pause?fleet=ev", { method: "POST" });
    await callJson("/resume?fleet=ev", { method: "POST" });
    const { events } = await callJson<{ events: { seq: number; at: number; action: string }[] }>("/events?fleet=ev&limit=2");
    expect(events.map((e) => e.action)).toEqual(["resume", "pause"]);
    const first = events[1];
    if (!first) throw new Error("no events");
    const since = await callJson<{ events: unknown[] }>(`/events?fleet=ev&since=${first.at + 1}`);
    expect(since.events.length).toBeLessThanOrEqual(1);
  });

  it("creates, reads, lists and deletes a fleet; a fleet with instances cannot be deleted", async () => {
    await createFleet("crud", { workers: 0 });
    const got = await callJson<{ fleet: string; config: { workers: number } }>("/fleets/crud");
    expect(got.config.workers).toBe(0);
    const list = await callJson<{ default: string; fleets: { name: string }[] }>("/fleets");
    expect(list.default).toBe("zeb");
    expect(list.fleets.map((f) => f.name)).toEqual(expect.arrayContaining(["zeb", "crud"]));
    const owned = await launchForeign("crud-worker-vast-0");
    const refused = await call("/fleets/crud", { method: "DELETE" });
    expect(refused.status).toBe(409);
    await callJson("/down?fleet=crud&confirm=crud", { method: "POST" });
    expect((await simInstances()).some((i) => i.id === owned)).toBe(false);
    expect(await callJson("/fleets/crud", { method: "DELETE" })).toEqual({ deleted: "crud" });
    expect((await call("/fleets/crud")).status).toBe(404);
    expect(await env.REGISTRY.getByName("registry").list()).not.toContain("crud");
  });
});
