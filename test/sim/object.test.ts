import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_GPUS } from "../../src/config/fleet";
import { DEFAULT_CREDIT, type MarketState } from "../../src/sim";
import { EXAMPLES_PER_BATCH } from "../../src/sim/lifecycle";
import { clientFor } from "../../src/vast/transport";
import { ONSTART } from "./helpers";

const sim = () => env.SIM.getByName("market");
const post = (path: string, body: unknown) =>
  sim().fetch(`http://vast-simulator${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

describe("SimObject", () => {
  it("serves the real Vast client end to end and persists its state", async () => {
    expect((await post("/__sim/reset", { seed: 3, speed: 0, startMs: Date.UTC(2026, 1, 6) })).status).toBe(200);
    expect((await post("/__sim/control", { forceFault: { next: "none" } })).status).toBe(200);
    const client = clientFor(env, { sleep: async () => {}, logsPollMs: 0 });

    const offers = await client.searchOffers({ gpuNames: DEFAULT_GPUS, maxDph: 0.09, diskGb: 15, minDurationH: 24, minCuda: 12, limit: 5 });
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.every((o) => o.dph_total <= 0.09 && DEFAULT_GPUS.includes(o.gpu_name))).toBe(true);
    const offer = offers[0];
    if (!offer) throw new Error("no offer");

    const { id } = await client.createInstance(offer.id, {
      image: "pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime",
      disk: 15,
      label: "zeb-worker-vast-0",
      env: { HF_TOKEN: "hf_test_SECRET", WORKER_ID: "worker-vast-0" },
      onstart: ONSTART,
      runtype: "ssh",
    });
    const before = await sim().clock();
    await post("/__sim/advance", { seconds: 1200 });
    expect(await sim().clock()).toBe(before + 1_200_000);

    const listed = await client.listInstances();
    expect(listed.map((i) => i.id)).toEqual([id]);
    expect((await client.showInstance(id))?.actual_status).toBe("running");
    expect(await client.getLogs(id, { tail: 50 })).toMatch(new RegExp(`\\[worker-vast-0\\] batch \\d+: ${EXAMPLES_PER_BATCH} examples`));
    await client.setLabel(id, "zeb-worker-vast-1");
    expect((await client.showInstance(id))?.label).toBe("zeb-worker-vast-1");
    const user = await client.currentUser();
    expect(user.credit).toBeLessThan(DEFAULT_CREDIT);
    expect(JSON.stringify(user)).not.toContain("SECRET");

    const stored = await runInDurableObject(sim(), async (_obj, state) => {
      const chunks = (await state.storage.get<number>("chunks")) ?? 0;
      const parts = await state.storage.get<string>(Array.from({ length: chunks }, (_, i) => `state:${i}`));
      return JSON.parse([...parts.values()].join("")) as MarketState;
    });
    expect(stored.instances.map((i) => i.id)).toEqual([id]);
    expect(stored.instances[0]?.label).toBe("zeb-worker-vast-1");

    expect(await client.destroyInstance(id)).toBe("destroyed");
    expect(await client.destroyInstance(id)).toBe("not_found");
    expect(await client.showInstance(id)).toBeNull();
  });

  it("makes the client see lacks credit", async () => {
    await post("/__sim/reset", { seed: 4, speed: 0, credit: 0 });
    const client = clientFor(env, { sleep: async () => {} });
    const [offer] = await client.searchOffers({ gpuNames: DEFAULT_GPUS, maxDph: 1, diskGb: 15, minDurationH: 24, minCuda: 12, limit: 1 });
    if (!offer) throw new Error("no offer");
    await expect(
      client.createInstance(offer.id, { image: "x", disk: 10, label: "l", env: {}, onstart: "", runtype: "ssh" }),
    ).rejects.toMatchObject({ kind: "lacks_credit" });
  });
});
