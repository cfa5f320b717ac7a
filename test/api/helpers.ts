import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { FAULT_KINDS } from "../../src/sim/types";
import { DEFAULT_START_MS } from "../../src/sim/state";

/** The secrets vitest.config.ts binds; no answer may ever contain one. */
export const ADMIN = "test-admin-token-SECRET";
export const READ = "test-read-token-SECRET";
export const SECRETS = [ADMIN, READ, "test-vast-key-SECRET", "hf_test_SECRET"];

/** Every response body the tests saw, so one test can search them all for secrets. */
export const seenBodies: string[] = [];

export interface Call {
  method?: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request through the Worker's real fetch handler, as curl would send it. */
export async function call(
  path: string,
  { method = "GET", token = ADMIN, body, headers = {} }: Call = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const h = new Headers(headers);
  if (token !== null) h.set("authorization", `Bearer ${token}`);
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    if (!h.has("content-type")) h.set("content-type", "application/json");
  }
  const res = await exports.default.fetch(new Request(`http://vastfleet.test${path}`, { method, headers: h, body: payload }));
  const text = await res.text();
  seenBodies.push(text);
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

export async function callJson<T>(path: string, init: Call = {}, status = 200): Promise<T> {
  const res = await call(path, init);
  expect(res.status, `${init.method ?? "GET"} ${path}: ${res.text}`).toBe(status);
  return res.json() as T;
}

export async function sim(path: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<unknown> {
  const init: RequestInit = { method, headers: { authorization: "Bearer test-vast-key-SECRET", "content-type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await env.SIM.getByName("market").fetch(new Request(`http://vast-simulator${path}`, init));
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sim ${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

export interface SimInstance {
  id: number;
  label: string | null;
  gpu_name: string;
  actual_status: string | null;
}

export async function simInstances(): Promise<SimInstance[]> {
  return ((await sim("/__sim/state")) as { instances: SimInstance[] }).instances;
}

/** A fresh market, clock frozen, no host or API faults: tests decide every change. */
export async function resetMarket(seed = 7): Promise<void> {
  // A fixed start, so that a seed replays the same market whatever ran before: without it the new
  // market starts at the simulator's clock, which ran in real time until the reset.
  await sim("/__sim/reset", { seed, speed: 0, credit: 1000, startMs: DEFAULT_START_MS });
  const noFaults = {
    faultRates: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])),
    apiFaults: { rate429: 0, rate5xx: 0, rateMalformed: 0, delayMs: 0 },
  };
  await sim("/__sim/control", noFaults);
}

export interface ConfigBody {
  fleet: string;
  config: Record<string, unknown> & { workers: number; paused: boolean };
  errors: string[];
}

/** Creates (or replaces) a fleet through the API: the default fleet's config with `patch` on top. */
export async function createFleet(name: string, patch: Record<string, unknown> = {}): Promise<void> {
  const base = await callJson<ConfigBody>("/fleets/zeb");
  await callJson(`/fleets/${name}`, { method: "PUT", body: { ...base.config, ...patch } });
}

/** Launches an instance in the simulator directly through its Vast API, as another tool would. */
export async function launchForeign(label: string | null): Promise<number> {
  const { offers } = (await sim("/api/v0/bundles/", { rentable: { eq: true }, order: [["dph_total", "asc"]] })) as {
    offers: { id: number }[];
  };
  const offer = offers[0];
  if (!offer) throw new Error("the simulated market has no offers");
  const created = (await sim(`/api/v0/asks/${offer.id}/`, { image: "pytorch/pytorch", label: label ?? undefined, disk: 10 }, "PUT")) as {
    new_contract: number;
  };
  return created.new_contract;
}

/** A row of GET /hosts, as far as the tests read it. */
export interface HostBody {
  machineId: number;
  blocked: boolean;
  reason: string | null;
  sharedFrom: string | null;
  strikes: number;
}

export async function hostsOf(fleet: string): Promise<HostBody[]> {
  return (await callJson<{ hosts: HostBody[] }>(`/hosts?fleet=${fleet}`)).hosts;
}

/** A pass's actions, as far as the tests read them. */
export interface PassBody {
  actions: {
    kind: string;
    instanceId: number | null;
    machineId: number | null;
    slot: number;
    cause: string | null;
    ok: boolean;
    reason: string;
  }[];
}

/** POST /reconcile: a pass of `fleet` now (or its plan only), and its report. */
export async function reconcile(fleet: string, dryRun = false): Promise<PassBody> {
  return (await callJson<{ report: PassBody }>(`/reconcile?fleet=${fleet}${dryRun ? "&dry_run=1" : ""}`, { method: "POST" })).report;
}
