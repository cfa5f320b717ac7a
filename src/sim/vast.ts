/**
 * The Vast REST surface (vast-api.md). Each route names its endpoint so faults can target it.
 * @module
 */

import { bidDph, minBidOf, settleBids } from "./bids";
import { relist, rentalDph } from "./catalog";
import { isRecord, json, readJson, vastError } from "./http";
import { createInstance, drawTimeline, instanceJson } from "./instances";
import { instanceLogs } from "./logs";
import { matchesQuery, searchOffers, sortRows } from "./offers";
import { hashHex, intBetween } from "./rng";
import { hfModel, learnerStepAt } from "./tick";
import type { Endpoint, MarketState, SimInstance } from "./types";

export interface Ctx {
  state: MarketState;
  now: number;
  req: Request;
  url: URL;
  apiKey: string;
}

export interface Route {
  endpoint: Endpoint;
  run: (ctx: Ctx) => Promise<Response> | Response;
}

const PAGE_MAX = 25;
/** vast-cli's `create instance --disk` default. */
const DEFAULT_DISK_GB = 10;
const LOG_SNAPSHOTS_KEPT = 50;
const LOG_SNAPSHOT_TTL_MS = 3_600_000;
/** A pass requests every worker's logs before it polls any: a snapshot this young is kept past the cap, as Vast keeps it. */
const LOG_SNAPSHOT_MIN_MS = 60_000;
/** v1 list filters work on stored columns only; computed ones are refused (vast-api.md §3). */
const FILTERABLE = new Set(["actual_status", "intended_status", "gpu_name", "id", "label", "verification", "machine_id"]);

export function vastRoute(method: string, path: string): Route | null {
  const p = path.replace(/\/+$/, "");
  const id = (re: RegExp) => Number(re.exec(p)?.[1]);
  if (p === "/api/v0/bundles" && (method === "POST" || method === "GET")) return { endpoint: "offers", run: offers };
  if (/^\/api\/v0\/asks\/\d+$/.test(p) && method === "PUT") return { endpoint: "create", run: (c) => create(c, id(/(\d+)$/)) };
  if (p === "/api/v1/instances" && method === "GET") return { endpoint: "list", run: listV1 };
  if (p === "/api/v0/instances" && method === "GET") return { endpoint: "list", run: listV0 };
  if (p === "/api/v0/instances" && method === "DELETE") return { endpoint: "destroy", run: destroyMany };
  if (/^\/api\/v0\/instances\/request_logs\/\d+$/.test(p) && method === "PUT")
    return { endpoint: "logs", run: (c) => requestLogs(c, id(/(\d+)$/)) };
  if (/^\/api\/v0\/instances\/bid_price\/\d+$/.test(p) && method === "PUT")
    return { endpoint: "manage", run: (c) => changeBid(c, id(/(\d+)$/)) };
  if (/^\/api\/v0\/instances\/\d+$/.test(p)) {
    const n = id(/(\d+)$/);
    if (method === "GET") return { endpoint: "show", run: (c) => show(c, n) };
    if (method === "DELETE") return { endpoint: "destroy", run: (c) => destroyOne(c, n) };
    if (method === "PUT") return { endpoint: "manage", run: (c) => manage(c, n) };
  }
  if (p === "/api/v0/users/current" && method === "GET") return { endpoint: "user", run: user };
  return null;
}

function render(ctx: Ctx, inst: SimInstance): Record<string, unknown> {
  return instanceJson(
    inst,
    ctx.state.machines.find((m) => m.id === inst.machineId),
    ctx.now,
  );
}

async function offers(ctx: Ctx): Promise<Response> {
  const q = ctx.url.searchParams.get("q");
  const body = ctx.req.method === "GET" && q ? (JSON.parse(q) as unknown) : await readJson(ctx.req);
  const found = searchOffers(ctx.state, isRecord(body) ? body : {}, ctx.now);
  return Array.isArray(found) ? json({ offers: found }) : vastError(400, "invalid_args", found.error);
}

/** Vast's client documentation names the refusal "Insufficient credits" (vast-cli `vastai/SKILL.md`, "Common errors"). */
const noCredit = () => vastError(400, "insufficient_credit", "Insufficient credits");

async function create(ctx: Ctx, offerId: number): Promise<Response> {
  const { state, now } = ctx;
  const machine = state.machines.find((m) => m.offerId === offerId);
  // create_instance.yaml's 404: the code is `invalid_args`, `no_such_ask` only in the message.
  if (!machine) return vastError(404, "invalid_args", `error 404/3603: no_such_ask Instance type by id ${offerId} is not available.`);
  if (state.credit <= 0) return noCredit();
  const body = await readJson(ctx.req);
  if (!isRecord(body) || typeof body.image !== "string" || body.image === "") return vastError(400, "invalid_args", "image is required");
  if (typeof body.label === "string" && body.label.length > 256)
    return vastError(400, "invalid_args", "label must be at most 256 characters");
  if (typeof body.onstart === "string" && body.onstart.length > 4096)
    return vastError(400, "invalid_args", "onstart must be at most 4096 characters");
  // create_instance.yaml: `price` is the bid of an interruptible rental, $0.001-128/h; null or absent rents on demand.
  const bid = body.price ?? null;
  if (bid !== null && (typeof bid !== "number" || !(bid >= 0.001 && bid <= 128)))
    return vastError(400, "invalid_price", "price must be a bid between 0.001 and 128 $/h");
  const forced = state.forced.next.shift();
  const instId = state.nextIds.instance;
  state.nextIds.instance += intBetween(state.rng, 1, 60);
  const disk = typeof body.disk === "number" ? body.disk : DEFAULT_DISK_GB;
  const inst = createInstance(state.rng, {
    id: instId,
    machine,
    dph: bid === null ? rentalDph(machine, now, disk) : bidDph(bid, disk),
    body,
    fault: forced === undefined ? machine.fault : forced === "none" ? null : forced,
    nowMs: now,
  });
  // A bid does not hold the machine: it stays listed, and an on-demand renter outranks it.
  if (bid === null) machine.offerId = null;
  else inst.bid = bid;
  hfModel(state, inst.worker.weightsName);
  state.instances.push(inst);
  // A bid under what wins the machine now starts paused.
  if (bid !== null) settleBids(state, now, now);
  return json({ success: true, new_contract: instId, instance_api_key: hashHex(inst.seed, 64) });
}

/** JSON-encoded query parameters, as the SDK sends them; a bare string is taken as-is. */
function param(url: URL, name: string): unknown {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function labelCounts(instances: SimInstance[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const inst of instances) counts[inst.label ?? ""] = (counts[inst.label ?? ""] ?? 0) + 1;
  return counts;
}

/**
 * Instances the listings show: a new one may appear only after `listDelayS` (Vast's list lags a
 * create now and then, and a fleet keeper must not launch the same slot twice meanwhile).
 */
function listable(ctx: Ctx): SimInstance[] {
  const delayMs = (ctx.state.listDelayS ?? 0) * 1000;
  return ctx.state.instances.filter((inst) => ctx.now - inst.createdMs >= delayMs);
}

function listV1(ctx: Ctx): Response {
  const all = listable(ctx).map((inst) => render(ctx, inst));
  const filters = param(ctx.url, "select_filters") ?? {};
  if (!isRecord(filters)) return vastError(400, "invalid_args", "select_filters must be an object");
  const bad = Object.keys(filters).find((col) => !FILTERABLE.has(col));
  if (bad) return vastError(400, "invalid_args", `${bad} is not a valid search key`);
  const found = all.filter((row) => matchesQuery(row, filters));
  const orderBy = param(ctx.url, "order_by");
  const order = Array.isArray(orderBy)
    ? orderBy.flatMap((o): [string, "asc" | "desc"][] =>
        isRecord(o) && typeof o.col === "string" ? [[o.col, o.dir === "desc" ? "desc" : "asc"]] : [],
      )
    : [];
  sortRows(found, order.length ? order : [["id", "asc"]]);
  const limit = Math.min(PAGE_MAX, Math.max(1, Number(param(ctx.url, "limit") ?? PAGE_MAX) || PAGE_MAX));
  const token = param(ctx.url, "after_token");
  const offset = token ? decodeToken(String(token)) : 0;
  if (offset === null) return vastError(400, "invalid_token", "Invalid pagination token");
  const page = found.slice(offset, offset + limit);
  const more = offset + limit < found.length;
  // show_instances.yaml: instances_found counts this page, total_instances every match.
  return json({
    success: true,
    instances_found: page.length,
    total_instances: found.length,
    label_counts: labelCounts(listable(ctx)),
    next_token: more ? btoa(`sim:${offset + limit}`) : null,
    instances: page.length === 0 && ctx.state.emptyListing === "null" ? null : page,
  });
}

function decodeToken(token: string): number | null {
  try {
    const m = /^sim:(\d+)$/.exec(atob(token));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function listV0(ctx: Ctx): Response {
  const instances = listable(ctx).map((inst) => render(ctx, inst));
  return json({ instances, instances_found: instances.length });
}

function show(ctx: Ctx, id: number): Response {
  const inst = ctx.state.instances.find((i) => i.id === id);
  return json({ instances: inst ? render(ctx, inst) : null });
}

/** Destroying frees the machine: it returns to the market under a new ask id. */
function destroy(state: MarketState, id: number): boolean {
  const inst = state.instances.find((i) => i.id === id);
  if (!inst) return false;
  state.instances = state.instances.filter((i) => i !== inst);
  const machine = state.machines.find((m) => m.id === inst.machineId);
  // Listed again unless another renter would hold it now (paired markets, catalog.ts `compete`) or it retired.
  if (machine?.retiring) state.machines = state.machines.filter((m) => m !== machine);
  else if (machine && machine.takenUntilMs == null) relist(state, machine);
  return true;
}

function destroyOne(ctx: Ctx, id: number): Response {
  return destroy(ctx.state, id) ? json({ success: true }) : vastError(404, "not_found", "Instance not found");
}

async function destroyMany(ctx: Ctx): Promise<Response> {
  const body = await readJson(ctx.req);
  const ids = isRecord(body) && Array.isArray(body.instance_ids) ? body.instance_ids : null;
  if (!ids?.every((x) => Number.isInteger(x))) return vastError(400, "invalid_args", "instance_ids must be a list of instance ids");
  const deleted = (ids as number[]).filter((id) => destroy(ctx.state, id));
  return json({ success: true, deleted_instance_ids: deleted });
}

async function manage(ctx: Ctx, id: number): Promise<Response> {
  const { state, now } = ctx;
  const inst = state.instances.find((i) => i.id === id);
  if (!inst) return vastError(404, "no_such_instance", `Instance ${id} not found`);
  const body = await readJson(ctx.req);
  if (!isRecord(body)) return vastError(400, "invalid_args", "expected a JSON object");
  if ("label" in body) {
    if (typeof body.label !== "string" && body.label !== null) return vastError(400, "invalid_args", "label must be a string");
    if (typeof body.label === "string" && body.label.length > 1024)
      return vastError(400, "label_too_long", "label must be at most 1024 characters");
    inst.label = body.label || null;
    return json({ success: true, msg: `label for ${id} set to '${body.label ?? ""}'` });
  }
  if (body.state === "stopped") {
    inst.stoppedMs ??= now;
    return json({ success: true });
  }
  if (body.state === "running") {
    if (inst.stoppedMs === null) return json({ success: true });
    if (state.credit <= 0) return noCredit();
    inst.stoppedMs = null;
    inst.timeline = drawTimeline(state.rng, now, inst.fault, null);
    return json({ success: true });
  }
  return vastError(400, "invalid_args", "expected label or state");
}

/**
 * `vastai change bid` (docs change_bid.yaml): $0.001-32/h, or null for Vast's winning bid (the
 * CLI's default). A bid that is now the highest resumes its paused instance at once. An on-demand
 * instance keeps its price: Vast says a rental's type cannot change.
 */
async function changeBid(ctx: Ctx, id: number): Promise<Response> {
  const { state, now } = ctx;
  const inst = state.instances.find((i) => i.id === id);
  if (!inst) return vastError(404, "no_such_instance", "Instance with that ID does not exist.");
  const body = await readJson(ctx.req);
  const price = isRecord(body) ? body.price : undefined;
  if (price !== null && (typeof price !== "number" || price < 0.001 || price > 32))
    return vastError(400, "invalid_args", "Please set a bid price >= 0.001.");
  if (inst.bid == null) return json({ success: true });
  const machine = state.machines.find((m) => m.id === inst.machineId);
  inst.bid = null; // its own bid is not what it has to beat
  const bid = typeof price === "number" ? price : machine ? minBidOf(state, machine, now) : inst.dph;
  inst.bid = bid;
  inst.dph = bidDph(bid, inst.disk);
  settleBids(state, now, now);
  return json({ success: true });
}

async function requestLogs(ctx: Ctx, id: number): Promise<Response> {
  const { state, now } = ctx;
  const inst = state.instances.find((i) => i.id === id);
  if (!inst) return vastError(404, "invalid_id", `Instance ${id} not found`);
  const body = await readJson(ctx.req);
  const opts = isRecord(body) ? body : {};
  const tail = Math.max(0, Math.floor(Number(opts.tail ?? 1000)) || 0);
  const model = state.hf.models[inst.worker.weightsName];
  let text = instanceLogs(inst, now, tail, (t) => learnerStepAt(model, t));
  if (typeof opts.filter === "string" && opts.filter !== "") {
    const filter = opts.filter;
    text = text
      .split("\n")
      .filter((line) => line.includes(filter))
      .map((line) => `${line}\n`)
      .join("");
  }
  const token = hashHex(state.seed ^ inst.seed, 32) + state.nextIds.log.toString(16);
  state.nextIds.log += 1;
  state.logs[token] = { text, pollsLeft: state.logsNotReadyPolls, createdMs: now };
  // Snapshots live in the persisted state, so only recent ones are kept (clients fetch within seconds).
  const tokens = Object.keys(state.logs);
  tokens.forEach((old, i) => {
    const created = state.logs[old]?.createdMs ?? 0;
    if ((i < tokens.length - LOG_SNAPSHOTS_KEPT && created < now - LOG_SNAPSHOT_MIN_MS) || created < now - LOG_SNAPSHOT_TTL_MS)
      delete state.logs[old];
  });
  return json({ success: true, result_url: `${ctx.url.origin}/__sim/logs/${token}`, msg: "Logs will be available at result_url shortly." });
}

/** The real endpoint echoes the API key; the client must drop it. */
function user(ctx: Ctx): Response {
  return json({
    id: 424242,
    email: "fleet@vast-simulator.invalid",
    username: "vastfleet-sim",
    fullname: "Vast Simulator",
    credit: Math.round(ctx.state.credit * 1e6) / 1e6,
    balance: 0,
    balance_threshold: 5,
    balance_threshold_enabled: false,
    can_pay: true,
    has_billing: true,
    ssh_key: "",
    key_id: 1,
    sid: "sim-session",
    tfa_status: false,
    api_key: ctx.apiKey,
  });
}
