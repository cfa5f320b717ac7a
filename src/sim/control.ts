/**
 * The simulator's own API under /__sim/, a prefix real Vast never uses.
 * @module
 */

import { z } from "zod";
import { settleBids } from "./bids";
import { drawFault } from "./catalog";
import { setSpeed, simNow } from "./clock";
import { json } from "./http";
import { milestones, statusAt } from "./lifecycle";
import { initialState } from "./state";
import { learnerStepAt } from "./tick";
import { type Endpoint, ENDPOINTS, FAULT_KINDS, HF_ROLES, type MarketState } from "./types";

const Rate = z.number().min(0).max(1);
const ApiFaultRates = z
  .object({ rate429: Rate, rate5xx: Rate, rateMalformed: Rate, rateLost: Rate, delayMs: z.number().int().min(0).max(60_000) })
  .partial()
  .strict();
const FaultOrNone = z.enum([...FAULT_KINDS, "none"]);

export const ControlInput = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff),
    speed: z.number().min(0).max(1_000_000),
    credit: z.number().min(-1_000_000).max(1_000_000),
    faultRates: z.partialRecord(z.enum(FAULT_KINDS), Rate),
    apiFaults: ApiFaultRates.extend({ endpoints: z.partialRecord(z.enum(ENDPOINTS), ApiFaultRates) })
      .partial()
      .strict(),
    logsNotReadyPolls: z.number().int().min(0).max(1000),
    listDelayS: z.number().int().min(0).max(86_400),
    emptyListing: z.enum(["array", "null"]),
    rateLimits: z.boolean(),
    /** `{"<machineId>": hours}`: the host's listing ends that many sim hours from now (the offer's `duration`). */
    listingEndsInH: z.record(
      z.string().regex(/^\d+$/),
      z
        .number()
        .min(0)
        .max(24 * 365),
    ),
    /** `{"next": kind}` queues a fault for the next created instance; `{"<machineId>": kind}` rewrites a machine's profile. */
    forceFault: z.record(z.string().regex(/^(next|\d+)$/), FaultOrNone),
    /** Every Vast key gets the 401 of a revoked key. */
    refuseKeys: z.boolean(),
    /** Bids (./bids.ts): `min_bid` over the on-demand price, and mean hours between competing bidders on a machine we bid on. */
    bidRatio: z.number().min(0.01).max(1),
    preemptMeanH: z.number().min(0.01).max(10_000),
    /** A new host's speed spread around its model's typical rate (hosts listed from now on), and other renters per hour (catalog.ts). */
    speedSpread: z.number().min(0).max(0.5),
    rentersPerHour: z.number().min(0).max(10_000),
    /** `{"<machineId>": {bid, hours}}`: a competing bidder takes the machine at that bid ($/h) for that many sim hours. */
    rivalBids: z.record(
      z.string().regex(/^\d+$/),
      z
        .object({
          bid: z.number().min(0.001).max(128),
          hours: z
            .number()
            .min(0)
            .max(24 * 365),
        })
        .strict(),
    ),
    /** The HF stand-in: a role per token (unlisted ones write), and repos (`owner/name`) that answer 403; each replaces what was set. */
    hf: z
      .object({
        roles: z.record(z.string().min(1).max(512), z.enum(HF_ROLES)),
        forbidden: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, "must be owner/name")).max(100),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();
export type ControlInput = z.infer<typeof ControlInput>;

export const AdvanceInput = z
  .object({
    seconds: z
      .number()
      .min(0)
      .max(90 * 86_400),
  })
  .strict();
/** A client that stands for waiting without waiting real time (src/vast/transport.ts) says how long here. */
export const WaitInput = z.object({ ms: z.number().min(0).max(600_000) }).strict();
export const ResetInput = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff),
    startMs: z.number().int().min(0),
    speed: z.number().min(0).max(1_000_000),
    credit: z.number(),
    marketScale: z.number().int().min(1).max(20),
  })
  .partial({ startMs: true, speed: true, credit: true, marketScale: true })
  .strict();

/** Names the offending field; an unknown key is itself the field at fault. */
export function invalid(error: z.ZodError): Response {
  const message = error.issues
    .flatMap((i) => {
      const at = i.path.map(String);
      if (i.code === "unrecognized_keys") return i.keys.map((k) => `${[...at, k].join(".")}: unknown field`);
      if (i.code === "invalid_key") return [`${at.join(".")}: ${at[0] === "forceFault" ? 'keys are "next" or a machine id' : i.message}`];
      return [`${at.join(".") || "(body)"}: ${i.message}`];
    })
    .join("; ");
  return json({ error: "invalid_input", message }, 400);
}

/** Applies a control change; returns an error message naming the field, or null. */
export function applyControl(state: MarketState, input: ControlInput, realNowMs: number): string | null {
  const rates = { ...state.faultRates, ...input.faultRates };
  if (Object.values(rates).reduce((a, b) => a + b, 0) > 1) return "faultRates: rates must sum to at most 1";
  const machineKeys = Object.keys(input.forceFault ?? {}).filter((k) => k !== "next");
  const unknown = machineKeys.find((k) => !state.machines.some((m) => m.id === Number(k)));
  if (unknown) return `forceFault.${unknown}: no such machine`;
  const unlisted = Object.keys(input.listingEndsInH ?? {}).find((k) => !state.machines.some((m) => m.id === Number(k)));
  if (unlisted) return `listingEndsInH.${unlisted}: no such machine`;
  const unbid = Object.keys(input.rivalBids ?? {}).find((k) => !state.machines.some((m) => m.id === Number(k)));
  if (unbid) return `rivalBids.${unbid}: no such machine`;

  if (input.seed !== undefined) {
    state.rng.s = input.seed;
    state.apiRng.s = (input.seed ^ 0x5bd1e995) >>> 0;
  }
  if (input.speed !== undefined) setSpeed(state.clock, input.speed, realNowMs);
  if (input.credit !== undefined) state.credit = input.credit;
  if (input.faultRates) {
    state.faultRates = rates;
    // New rates apply to the market as it is now: idle machines get fresh profiles.
    for (const m of state.machines) if (m.offerId !== null) m.fault = drawFault(state.rng, rates);
  }
  if (input.apiFaults) {
    const { endpoints, ...global } = input.apiFaults;
    Object.assign(state.apiFaults, global);
    for (const [name, r] of Object.entries(endpoints ?? {})) Object.assign((state.apiFaults.endpoints[name as Endpoint] ??= {}), r);
  }
  if (input.refuseKeys !== undefined) state.refuseKeys = input.refuseKeys;
  if (input.bidRatio !== undefined) state.bidRatio = input.bidRatio;
  if (input.preemptMeanH !== undefined) state.preemptMeanH = input.preemptMeanH;
  if (input.speedSpread !== undefined) state.speedSpread = input.speedSpread;
  if (input.rentersPerHour !== undefined) state.rentersPerHour = input.rentersPerHour;
  if (input.hf) {
    const access = state.hf.access ?? { roles: {}, forbidden: [] };
    state.hf.access = { roles: input.hf.roles ?? access.roles, forbidden: input.hf.forbidden ?? access.forbidden };
  }
  if (input.logsNotReadyPolls !== undefined) state.logsNotReadyPolls = input.logsNotReadyPolls;
  if (input.listDelayS !== undefined) state.listDelayS = input.listDelayS;
  if (input.emptyListing !== undefined) state.emptyListing = input.emptyListing;
  if (input.rateLimits !== undefined) {
    state.rateLimits = input.rateLimits;
    state.limiter = {};
    state.rateLimited = {};
  }
  const now = simNow(state.clock, realNowMs);
  for (const [id, hours] of Object.entries(input.listingEndsInH ?? {})) {
    const machine = state.machines.find((m) => m.id === Number(id));
    if (machine) machine.listingEndsMs = now + hours * 3_600_000;
  }
  for (const [id, r] of Object.entries(input.rivalBids ?? {})) {
    const machine = state.machines.find((m) => m.id === Number(id));
    if (machine) machine.rival = { bid: r.bid, untilMs: now + r.hours * 3_600_000 };
  }
  if (input.rivalBids) settleBids(state, now, now);
  for (const [key, kind] of Object.entries(input.forceFault ?? {})) {
    if (key === "next") state.forced.next.push(kind);
    else {
      const machine = state.machines.find((m) => m.id === Number(key));
      if (machine) machine.fault = kind === "none" ? null : kind;
    }
  }
  return null;
}

/** A fresh market; the clock carries on from now at the same speed unless told otherwise. */
export function resetState(input: z.infer<typeof ResetInput>, current: MarketState, realNowMs: number): MarketState {
  const state = initialState({
    seed: input.seed,
    startMs: input.startMs ?? simNow(current.clock, realNowMs),
    speed: input.speed ?? current.clock.speed,
    credit: input.credit,
    ...(input.marketScale === undefined ? {} : { marketScale: input.marketScale }),
  });
  state.clock.realBaseMs = realNowMs;
  return state;
}

/** Everything hidden from the Vast API: the clock, credit, and each instance's fault. */
export function describeState(state: MarketState, realNowMs: number): Response {
  const now = simNow(state.clock, realNowMs);
  const counts: Record<string, number> = {};
  const instances = state.instances.map((inst) => {
    const status = statusAt(inst, milestones(inst), now);
    const key = status.actual_status ?? "null";
    counts[key] = (counts[key] ?? 0) + 1;
    return {
      id: inst.id,
      label: inst.label,
      machine_id: inst.machineId,
      gpu_name: inst.gpuName,
      dph_total: inst.dph,
      actual_status: status.actual_status,
      bid: inst.bid ?? null,
      paused_since_ms: inst.pausedMs ?? null,
      fault: inst.fault,
      games_per_sec: inst.gamesPerSec,
      worker_id: inst.worker.workerId,
      upload_interval_s: inst.worker.uploadIntervalS,
      age_s: (now - inst.createdMs) / 1000,
    };
  });
  return json({
    now_ms: now,
    now: new Date(now).toISOString(),
    speed: state.clock.speed,
    seed: state.seed,
    credit: state.credit,
    offers: state.machines.filter((m) => m.offerId !== null).length,
    machines: state.machines.length,
    counts,
    instances,
    faultRates: state.faultRates,
    apiFaults: state.apiFaults,
    logsNotReadyPolls: state.logsNotReadyPolls,
    emptyListing: state.emptyListing ?? "array",
    rateLimits: state.rateLimits ?? false,
    rateLimited: state.rateLimited ?? {},
    refuseKeys: state.refuseKeys ?? false,
    // The roles without their tokens: those are secrets, even in the simulator's state.
    hfAccess: { roles: Object.values(state.hf.access?.roles ?? {}), forbidden: state.hf.access?.forbidden ?? [] },
    forcedNext: state.forced.next,
    hf: Object.fromEntries(
      Object.entries(state.hf.models).map(([name, model]) => [name, { step: learnerStepAt(model, now), total_games: model.totalGames }]),
    ),
  });
}
