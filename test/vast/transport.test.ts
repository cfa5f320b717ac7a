import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env";
import { clientFor, SIM_ORIGIN, vastFetch } from "../../src/vast/transport";
import { json } from "./standin";

/** An Env whose SIM namespace hands out a stub that records what reaches the simulator. */
function withFakeSim(overrides: Partial<Env> = {}) {
  const reached: { name: string; url: string; auth: string | null }[] = [];
  const SIM = {
    getByName: (name: string) => ({
      fetch: async (req: Request) => {
        reached.push({ name, url: req.url, auth: req.headers.get("Authorization") });
        return json({ success: true, next_token: null, instances: [] });
      },
    }),
  } as unknown as Env["SIM"];
  return { env: { ...env, ...overrides, SIM } as Env, reached };
}

afterEach(() => vi.restoreAllMocks());

describe("vastFetch", () => {
  it("sends the simulator's origin to the 'market' simulator object and nothing to the network", async () => {
    const net = vi.spyOn(globalThis, "fetch");
    const { env: e, reached } = withFakeSim();
    const res = await vastFetch(e)(new Request(`${SIM_ORIGIN}/api/v1/instances/?limit=25`));
    expect(res.status).toBe(200);
    expect(reached).toEqual([{ name: "market", url: `${SIM_ORIGIN}/api/v1/instances/?limit=25`, auth: null }]);
    expect(net).not.toHaveBeenCalled();
  });

  it.each([
    "https://console.vast.ai/api/v0/users/current/",
    "http://vast-simulator.example.com/api/v0/bundles/",
    "https://s3.amazonaws.com/vast.ai/instance_logs/x.log",
  ])("sends %s to the network", async (url) => {
    const net = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("ok"));
    const { env: e, reached } = withFakeSim();
    await vastFetch(e)(new Request(url));
    expect(net).toHaveBeenCalledOnce();
    expect(reached).toEqual([]);
  });
});

describe("clientFor", () => {
  it("uses VAST_API_URL and VAST_API_KEY from the environment", async () => {
    const { env: e, reached } = withFakeSim();
    expect(await clientFor(e).listInstances()).toEqual([]);
    expect(reached).toEqual([{ name: "market", url: `${SIM_ORIGIN}/api/v1/instances/?limit=25`, auth: `Bearer ${env.VAST_API_KEY}` }]);
  });

  it("defaults to https://console.vast.ai", async () => {
    const net = vi.spyOn(globalThis, "fetch").mockResolvedValue(json({ id: 1, credit: 2 }));
    const { env: e } = withFakeSim({ VAST_API_URL: undefined });
    await clientFor(e).currentUser();
    const req = net.mock.calls[0]?.[0];
    expect(req instanceof Request ? req.url : req).toBe("https://console.vast.ai/api/v0/users/current/");
  });
});
