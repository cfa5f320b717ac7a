/**
 * Brings the derived bookkeeping up to `now`: market churn, credit, and uploads landing on the
 * HF stand-in. Statuses and logs need no ticking; these three do because they accumulate.
 * @module
 */

import { pausedDph, settleBids } from "./bids";
import { compete, freeForOthers, MAX_LISTED, MIN_LISTED, newMachine } from "./catalog";
import {
  batchEndMs,
  batchesDone,
  batchesInUpload,
  billedSpan,
  freezeMs,
  GAMES_PER_BATCH,
  hfAuthFails,
  milestones,
  uploadsAfter,
} from "./lifecycle";
import { hashHex, nextFloat, type RngState } from "./rng";
import type { HfModel, MarketState, SimInstance } from "./types";

const CHURN_STEP_MS = 10 * 60_000;
/** One learner step per cycle once the learner has data (its replay buffer filled by the first upload). */
export const LEARNER_CYCLE_S = 30;
const COMMITS_KEPT = 100;

export function tick(state: MarketState, now: number): void {
  if (now <= state.tickedMs) return;
  compete(state, marketRng(state), state.tickedMs, now);
  churn(state, now);
  bill(state, now);
  uploads(state, now);
  // Bids pause and resume at the tick's end: billing and uploads above saw the state they had until now.
  settleBids(state, state.tickedMs, now);
  state.tickedMs = now;
}

/**
 * Every 10 sim minutes a host may list a new machine, and an idle one may delist. In a paired
 * market (see `compete`) idle means free for other renters, whether or not we rent it: a machine of
 * ours the host delists retires, and leaves the market when we give it back.
 */
function churn(state: MarketState, now: number): void {
  const rng = marketRng(state);
  const steps = Math.floor(now / CHURN_STEP_MS) - Math.floor(state.tickedMs / CHURN_STEP_MS);
  for (let i = 0; i < steps; i++) {
    const listed = state.machines.filter(state.paired === true ? freeForOthers : (m) => m.offerId !== null);
    const scale = state.marketScale ?? 1;
    if (listed.length < MAX_LISTED * scale && nextFloat(rng) < 0.3) state.machines.push(newMachine(state, rng));
    if (listed.length > MIN_LISTED * scale && nextFloat(rng) < 0.15) {
      const gone = listed[Math.floor(nextFloat(rng) * listed.length)];
      if (gone && state.instances.some((inst) => inst.machineId === gone.id)) gone.retiring = true;
      else state.machines = state.machines.filter((m) => m !== gone);
    }
  }
}

/** Drains credit at the summed $/h of billed instances; at zero every billed instance is stopped, as Vast does. */
function bill(state: MarketState, now: number): void {
  const from = state.tickedMs;
  const spans = state.instances.flatMap((inst) => {
    const span = billedSpan(inst, milestones(inst));
    const running =
      span && span[1] > from && span[0] < now
        ? [{ inst, rate: inst.dph, start: Math.max(span[0], from), end: Math.min(span[1], now) }]
        : [];
    // A paused bid still bills its storage.
    const paused =
      inst.pausedMs != null && inst.pausedMs < now ? [{ inst, rate: pausedDph(inst), start: Math.max(inst.pausedMs, from), end: now }] : [];
    return [...running, ...paused];
  });
  if (spans.length === 0) return;
  const cuts = [...new Set([from, now, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i] as number;
    const b = cuts[i + 1] as number;
    const live = spans.filter((s) => s.start <= a && s.end >= b);
    const rate = live.reduce((sum, s) => sum + s.rate, 0) / 3_600_000;
    if (rate <= 0) continue;
    const cost = rate * (b - a);
    if (cost < state.credit) {
      state.credit -= cost;
      continue;
    }
    const zeroAt = a + state.credit / rate;
    state.credit = 0;
    for (const s of live) s.inst.stoppedMs = zeroAt;
    return;
  }
}

function uploads(state: MarketState, now: number): void {
  const events: { at: number; inst: SimInstance; batch: number }[] = [];
  for (const inst of state.instances) {
    if (hfAuthFails(inst)) continue;
    const m = milestones(inst);
    const until = freezeMs(inst, m, now);
    const done = batchesDone(inst, m, until);
    for (let b = batchesDone(inst, m, Math.min(state.tickedMs, until)) + 1; b <= done; b++) {
      if (uploadsAfter(inst, m, b)) events.push({ at: batchEndMs(inst, m, b), inst, batch: b });
    }
  }
  events.sort((x, y) => x.at - y.at || x.inst.id - y.inst.id);
  for (const { at, inst, batch } of events) {
    const w = inst.worker;
    const model = hfModel(state, w.weightsName);
    const k = batchesInUpload(inst, milestones(inst), batch);
    model.sinceMs ??= at;
    model.totalGames += k * GAMES_PER_BATCH;
    const commits = (state.hf.commits[w.examplesRepoId] ??= []);
    commits.unshift({ id: hashHex(inst.seed ^ batch, 40), title: `${w.workerId}: upload ${k} batches`, date: new Date(at).toISOString() });
    commits.length = Math.min(commits.length, COMMITS_KEPT);
  }
}

/**
 * The market's own evolution (hosts coming and going, other renters) draws from its own stream, so
 * what we rent never changes what the rest of the market does: two policies run on the same seed
 * face the same renters and the same new hosts (common random numbers for the benchmark).
 * Older saved states have no such stream; one is derived from the seed.
 */
export function marketRng(state: MarketState): RngState {
  return (state.marketRng ??= { s: (state.seed ^ 0x2545f491) >>> 0 });
}

export function hfModel(state: MarketState, weightsName: string): HfModel {
  return (state.hf.models[weightsName] ??= { stepBase: 0, sinceMs: null, totalGames: 0 });
}

export function learnerStepAt(model: HfModel | undefined, t: number): number {
  if (!model) return 0;
  if (model.sinceMs === null || t < model.sinceMs) return model.stepBase;
  return model.stepBase + Math.floor((t - model.sinceMs) / (LEARNER_CYCLE_S * 1000));
}
