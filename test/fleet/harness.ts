import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
// The Worker first: its API schemas extend zod when loaded, before any other module builds a schema.
import worker from "../../src/index";
import { type FleetConfig, slotOf } from "../../src/config/fleet";
import type { FleetEvent } from "../../src/fleet/store";
import { FleetState } from "../../src/reconcile/state";
import { FAULT_KINDS, type FaultKind, type MarketState } from "../../src/sim/types";

/**
 * Integration harness: the REAL scheduled handler (cron → registry → one FleetObject per fleet →
 * reconcile pass) against the embedded simulator, with the simulator's clock frozen (speed 0) so
 * that simulated time moves only when a test advances it: advance 60 s, tick, repeat.
 */

export const TICK_S = 60;

export async function sim(path: string, body?: unknown): Promise<Response> {
  const init: RequestInit =
    body === undefined ? {} : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } };
  return env.SIM.getByName("market").fetch(new Request(`http://vast-simulator${path}`, init));
}

export async function simOk(path: string, body?: unknown): Promise<unknown> {
  const res = await sim(path, body);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

export interface SimInstanceView {
  id: number;
  label: string | null;
  machine_id: number;
  gpu_name: string;
  dph_total: number;
  actual_status: string | null;
  fault: FaultKind | null;
  age_s: number;
}

export interface SimStateView {
  now_ms: number;
  credit: number;
  counts: Record<string, number>;
  instances: SimInstanceView[];
}

/** The simulator's own view (`GET /__sim/state`): every instance, with its hidden fault. */
export async function simState(): Promise<SimStateView> {
  return (await simOk("/__sim/state")) as SimStateView;
}

export async function simNow(): Promise<number> {
  return (await simState()).now_ms;
}

export const MARKET_START_MS = Date.UTC(2026, 1, 6, 12, 0, 0);

export const NO_FAULTS: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

/**
 * A fresh market with a frozen clock, no hidden host faults and a clean API. New fault rates only
 * redraw the profiles of listed machines, so machines that other renters hold (and that return to
 * the market later) are cleared one by one.
 */
export async function resetMarket(seed: number, credit = 500): Promise<number> {
  // A fixed start: the market (prices over the day, other renters) then replays the same for a seed whatever ran before.
  await simOk("/__sim/reset", { seed, speed: 0, credit, startMs: MARKET_START_MS });
  await simOk("/__sim/control", { faultRates: NO_FAULTS, apiFaults: { rate429: 0, rate5xx: 0, rateMalformed: 0, delayMs: 0 } });
  const faulty = (await marketState()).machines.filter((m) => m.fault !== null);
  if (faulty.length > 0) await simOk("/__sim/control", { forceFault: Object.fromEntries(faulty.map((m) => [String(m.id), "none"])) });
  return simNow();
}

export async function control(input: unknown): Promise<void> {
  await simOk("/__sim/control", input);
}

/** One cron tick through the real `scheduled` handler, waited for to the end of its waitUntil work. */
export async function tick(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

export async function advance(seconds: number): Promise<number> {
  const { now_ms } = (await simOk("/__sim/advance", { seconds })) as { now_ms: number };
  return now_ms;
}

/** `minutes` rounds of: advance the market one minute, then one cron tick. `each` runs after every tick. */
export async function run(minutes: number, each?: (now: number, round: number) => Promise<void> | void): Promise<number> {
  let now = await simNow();
  for (let i = 0; i < minutes; i++) {
    now = await advance(TICK_S);
    await tick();
    await each?.(now, i);
  }
  return now;
}

export function fleet(name: string) {
  return env.FLEET.getByName(name);
}

/** The cron reconciles the default fleet plus the registry's; test fleets are registered explicitly. */
export async function register(name: string): Promise<void> {
  await env.REGISTRY.getByName("registry").add(name);
}

export async function unregister(name: string): Promise<void> {
  await env.REGISTRY.getByName("registry").remove(name);
}

/** Replaces the fleet's config with the effective one patched (through the object's `putConfig` RPC). */
export async function configure(name: string, patch: Partial<FleetConfig>): Promise<FleetConfig> {
  const current = await fleet(name).getConfig(name);
  if (!current.ok || current.value.config === null) throw new Error(`config of ${name} unavailable`);
  const put = await fleet(name).putConfig(name, { ...current.value.config, ...patch });
  if (!put.ok) throw new Error(`putConfig ${name}: ${put.message}`);
  return put.value;
}

export async function scale(name: string, n: number): Promise<void> {
  const r = await fleet(name).scale(name, n);
  if (!r.ok) throw new Error(`scale ${name} ${n}: ${r.message}`);
}

/** Every event of the fleet, oldest first. */
export async function allEvents(name: string): Promise<FleetEvent[]> {
  return (await fleet(name).events(name, 5000, null)).reverse();
}

export async function actionEvents(name: string, since = 0): Promise<FleetEvent[]> {
  return (await allEvents(name)).filter(
    (e) => (e.action === "launch" || e.action === "destroy" || e.action === "upgrade") && e.at >= since,
  );
}

/** Instances the simulator lists under this fleet's labels. */
export function owned(state: SimStateView, name: string): SimInstanceView[] {
  return state.instances.filter((i) => slotOf(name, i.label) !== null);
}

export function slots(instances: SimInstanceView[], name: string): number[] {
  return instances.map((i) => slotOf(name, i.label) ?? -1).sort((a, b) => a - b);
}

/** The simulator's whole persisted state (timelines included), read from its Durable Object's storage. */
export async function marketState(): Promise<MarketState> {
  return runInDurableObject(env.SIM.getByName("market"), async (_instance, state) => {
    const count = await state.storage.get<number>("chunks");
    if (!count) throw new Error("simulator state not persisted yet");
    const keys = Array.from({ length: count }, (_, i) => `state:${i}`);
    const parts = await state.storage.get<string>(keys);
    return JSON.parse(keys.map((k) => parts.get(k) ?? "").join("")) as MarketState;
  });
}

/** The fleet's remembered state (hosts, strikes, VRAM floors, pending work), read from its object's SQLite. */
export async function fleetState(name: string): Promise<FleetState> {
  return runInDurableObject(fleet(name), async (_instance, state) => {
    const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM doc WHERE name = 'state'").toArray()[0];
    if (!row) throw new Error(`fleet ${name} has no state yet`);
    return FleetState.parse(JSON.parse(row.value));
  });
}

/** Runs minutes until `done` holds after a tick; fails after `limit` minutes. Returns the sim time it held. */
export async function until(limit: number, done: () => Promise<boolean>, what: string): Promise<number> {
  for (let i = 0; i < limit; i++) {
    const now = await run(1);
    if (await done()) return now;
  }
  expect.fail(`${what}: not reached within ${limit} simulated minutes`);
}

/** A fresh fleet: registered with the cron, config patched, then scaled (one pass runs under the scale). */
export async function startFleet(name: string, n: number, patch: Partial<FleetConfig> = {}): Promise<void> {
  await register(name);
  await configure(name, patch);
  await scale(name, n);
}

/** Scales a test fleet away and removes it from the cron, so later tests in the file see no trace of it. */
export async function stopFleet(name: string): Promise<void> {
  await fleet(name).setPaused(name, false);
  const r = await fleet(name).scale(name, 0);
  if (!r.ok) throw new Error(`scale ${name} 0: ${r.message}`);
  await unregister(name);
}

/** A call to the simulator's Vast API, as any other client of the account would make it. */
export async function vastApi(
  method: "GET" | "PUT" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${env.VAST_API_KEY ?? "k"}`, "content-type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await env.SIM.getByName("market").fetch(new Request(`http://vast-simulator${path}`, init));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // Plain text answers stay text.
  }
  return { status: res.status, body: parsed };
}

/** Rents the cheapest listed machine under `label` (null: no label), like someone else's tooling on the same account. */
export async function rentForeign(label: string | null): Promise<number> {
  const search = await vastApi("POST", "/api/v0/bundles/", { order: [["dph_total", "asc"]], limit: 1, rentable: { eq: true } });
  const offer = (search.body as { offers: { id: number }[] }).offers[0];
  if (!offer) throw new Error("no offers to rent");
  const created = await vastApi("PUT", `/api/v0/asks/${offer.id}/`, {
    client_id: "me",
    image: "ubuntu:22.04",
    disk: 10,
    ...(label === null ? {} : { label }),
    runtype: "ssh",
  });
  const id = (created.body as { new_contract?: number }).new_contract;
  if (id === undefined) throw new Error(`rent failed: ${JSON.stringify(created.body)}`);
  return id;
}

/** Stops an instance through the Vast API: it becomes `stopped`, a DEAD worker that still bills storage. */
export async function stopInstance(id: number): Promise<void> {
  const r = await vastApi("PUT", `/api/v0/instances/${id}/`, { state: "stopped" });
  if (r.status !== 200) throw new Error(`stop ${id}: ${JSON.stringify(r.body)}`);
}
