import { describe, expect, it } from "vitest";
import { createVastClient, type VastClientOptions } from "../../src/vast/client";
import { VastError } from "../../src/vast/errors";
import { BASE, hanging, json, KEY, scripted, sleeps, standIn, text, tooFrequent } from "./standin";

function client(fetch: VastClientOptions["fetch"], extra: Partial<VastClientOptions> = {}) {
  const wait = sleeps();
  return { vast: createVastClient({ baseUrl: BASE, apiKey: KEY, fetch, sleep: wait.sleep, ...extra }), sleeps: wait.calls };
}

const createBody = { image: "img", disk: 15, label: "zeb-worker-vast-0", env: {}, onstart: "", runtype: "ssh" as const };
const user = () => json({ id: 1, credit: 10 });

describe("retries", () => {
  it("retries a plain-text 429 (no Retry-After) after the first backoff, then succeeds", async () => {
    const fake = scripted(tooFrequent, user);
    const { vast, sleeps } = client(fake.fetch);
    expect(await vast.currentUser()).toMatchObject({ credit: 10 });
    expect(fake.seen).toHaveLength(2);
    expect(sleeps).toEqual([150]);
  });

  it("retries a JSON 429 the same way", async () => {
    const fake = scripted(() => json({ detail: "API requests too frequent endpoint threshold=1.0" }, 429), user);
    const { vast, sleeps } = client(fake.fetch);
    await vast.currentUser();
    expect(sleeps).toEqual([150]);
  });

  it("gives up on 5 consecutive 503s after exactly `retries` attempts, backing off ×1.5", async () => {
    const fake = standIn(() => text("Service Unavailable", 503));
    const { vast, sleeps } = client(fake.fetch);
    const err = await vast.listInstances().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VastError);
    expect(err).toMatchObject({ kind: "unavailable", status: 503, endpoint: "GET /api/v1/instances/" });
    expect(fake.seen).toHaveLength(3);
    expect(sleeps).toEqual([150, 225]);
  });

  it("honours custom retries and backoffMs", async () => {
    const fake = standIn(tooFrequent);
    const { vast, sleeps } = client(fake.fetch, { retries: 5, backoffMs: 100 });
    await expect(vast.currentUser()).rejects.toMatchObject({
      kind: "rate_limited",
      status: 429,
      message: expect.stringContaining("too frequent"),
    });
    expect(fake.seen).toHaveLength(5);
    expect(sleeps).toEqual([100, 150, 225, 337.5]);
  });

  it.each([
    [502, "unavailable"],
    [504, "unavailable"],
  ] as const)("retries %i on idempotent calls", async (status, kind) => {
    const fake = standIn(() => text("Bad Gateway", status));
    const { vast } = client(fake.fetch);
    await expect(vast.showInstance(3)).rejects.toMatchObject({ kind, status });
    expect(fake.seen).toHaveLength(3);
  });

  it.each([
    [400, json({ success: false, error: "invalid_args", msg: "invalid instance_id" }, 400), "http"],
    [401, json({ error: "auth_error", msg: "Invalid user key" }, 401), "auth"],
    [403, json({ success: false, error: "not_authorized", msg: "not the owner" }, 403), "auth"],
    [404, json({ success: false, error: "no_such_instance", msg: "no such instance" }, 404), "http"],
    [500, text("Internal Server Error", 500), "http"],
  ] as const)("does not retry %i", async (status, answer, kind) => {
    const fake = standIn(() => answer.clone());
    const { vast, sleeps } = client(fake.fetch);
    await expect(vast.setLabel(9, "x")).rejects.toMatchObject({ kind, status, endpoint: "PUT /api/v0/instances/9/" });
    expect(fake.seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("retries network errors on idempotent calls", async () => {
    let n = 0;
    const fake = standIn(() => {
      if (++n < 3) throw new TypeError("Network connection lost.");
      return json({ instances: null });
    });
    const { vast, sleeps } = client(fake.fetch);
    expect(await vast.showInstance(4)).toBeNull();
    expect(sleeps).toEqual([150, 225]);
  });

  it("reports a network error once attempts run out", async () => {
    const fake = standIn(() => Promise.reject(new TypeError("Network connection lost.")));
    const { vast } = client(fake.fetch);
    await expect(vast.destroyInstance(4)).rejects.toMatchObject({
      kind: "network",
      endpoint: "DELETE /api/v0/instances/4/",
      message: expect.stringContaining("Network connection lost."),
    });
    expect(fake.seen).toHaveLength(3);
  });
});

describe("timeouts", () => {
  it("aborts a request that never answers and retries it, then reports a timeout", async () => {
    const fake = hanging();
    const { vast, sleeps } = client(fake.fetch, { timeoutMs: 15 });
    const err = await vast.listInstances().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VastError);
    expect(err).toMatchObject({ kind: "timeout", endpoint: "GET /api/v1/instances/" });
    expect(fake.seen).toHaveLength(3);
    expect(fake.seen.every((s) => s.signal.aborted)).toBe(true);
    expect(sleeps).toEqual([150, 225]);
  });

  it("times out even when the fetch ignores its AbortSignal", async () => {
    const fake = standIn(() => new Promise<Response>(() => {}));
    const { vast } = client(fake.fetch, { timeoutMs: 10, retries: 1 });
    await expect(vast.currentUser()).rejects.toMatchObject({ kind: "timeout" });
  });

  it("also covers a body that stalls after the headers", async () => {
    const fake = standIn(() => new Response(new ReadableStream({ start() {} }), { status: 200 }));
    const { vast } = client(fake.fetch, { timeoutMs: 10, retries: 1 });
    await expect(vast.currentUser()).rejects.toMatchObject({ kind: "timeout" });
  });
});

// vast-cli `vastai/api/client.py`: `_DEFAULT_TIMEOUT_SECONDS = 120` "for slow operations like ... instance creation".
describe("a create's own per-try timeout", () => {
  it("waits for a slow create past the timeout that ends other calls", async () => {
    const slow = () =>
      new Promise<Response>((resolve) => setTimeout(() => resolve(json({ success: true, new_contract: 7, id: 1, credit: 1 })), 40));
    const fake = standIn(slow);
    const { vast } = client(fake.fetch, { timeoutMs: 10, createTimeoutMs: 1_000, retries: 1 });
    await expect(vast.currentUser()).rejects.toMatchObject({ kind: "timeout" });
    expect(await vast.createInstance(11, createBody)).toEqual({ id: 7 });
  });
});

describe("createInstance is never repeated when it may have happened", () => {
  it("does not retry after a timeout", async () => {
    const fake = hanging();
    const { vast, sleeps } = client(fake.fetch, { createTimeoutMs: 15 });
    await expect(vast.createInstance(11, createBody)).rejects.toMatchObject({ kind: "timeout", endpoint: "PUT /api/v0/asks/11/" });
    expect(fake.seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("does not retry after a network error", async () => {
    const fake = standIn(() => Promise.reject(new TypeError("Network connection lost.")));
    const { vast } = client(fake.fetch);
    await expect(vast.createInstance(11, createBody)).rejects.toMatchObject({ kind: "network" });
    expect(fake.seen).toHaveLength(1);
  });

  it.each([
    [502, "Bad Gateway"],
    [503, "Service Unavailable"],
    [504, "Gateway Timeout"],
  ] as const)("does not retry a %i, whose upstream may have finished the rental", async (status, body) => {
    const fake = standIn(() => text(body, status));
    const { vast } = client(fake.fetch);
    await expect(vast.createInstance(11, createBody)).rejects.toMatchObject({ kind: "unavailable", status });
    expect(fake.seen).toHaveLength(1);
  });

  it("does not retry a 429: a create inside Vast's interval lengthens the penalty, so the pass waits it out", async () => {
    const fake = scripted(tooFrequent, () => json({ success: true, new_contract: 99 }));
    const { vast, sleeps } = client(fake.fetch);
    await expect(vast.createInstance(11, createBody)).rejects.toMatchObject({ kind: "rate_limited", status: 429 });
    expect(fake.seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});

describe("a 429 on a paced endpoint", () => {
  it("retries a listing after Vast's list interval, not the short backoff: another fleet on the key listed a moment before", async () => {
    const fake = scripted(tooFrequent, () => json({ success: true, instances: [], next_token: null }));
    const { vast, sleeps } = client(fake.fetch);
    expect(await vast.listInstances()).toEqual([]);
    expect(fake.seen).toHaveLength(2);
    expect(sleeps).toEqual([1000]);
  });
});
