/**
 * Which offers are duds, learned online: a logistic regression of "failed before its first batch"
 * on the listing's features (./features.ts), with a Gaussian prior on every weight. The prior says
 * "no signal" (feature weights 0) and a dud rate of PRIOR_DUD_RATE; each outcome moves the weights
 * by one Newton step of the diagonal Laplace approximation (Chapelle & Li 2011, "An empirical
 * evaluation of Thompson sampling", algorithm 3), so the stored model is a mean and a precision
 * per weight plus counts, whatever the number of outcomes.
 * @module
 */

import { z } from "zod";
import { DUD_FEATURES } from "./features";

/** Weights: an intercept, then one per feature. */
export const DUD_WEIGHTS = DUD_FEATURES.length + 1;
/** The prior dud rate of a launch, before the fleet has seen any (the benchmark's listings run near half). */
export const PRIOR_DUD_RATE = 0.3;
/**
 * Prior precision (1/variance) of a feature weight (sd 0.5 log-odds per unit) and of the intercept:
 * one outcome moves a weight by at most about a tenth, so the few outcomes of a fleet's first hours
 * cannot swing the ranking on noise; a few dozen consistent ones outweigh it.
 */
const PRIOR_PRECISION = 4;
const INTERCEPT_PRECISION = 0.25;
/**
 * A dud's paid time (boot until the fleet gives up on it, plus the replacement's boot) over a good
 * rental's productive time, both in hours: the share of a run's dollars a dud wastes. See `dudFactor`.
 */
const DUD_PAID_H = 0.4;
const RUN_H = 6;
/** Outcome kinds kept by name; more distinct kinds than this are counted under "other". */
const MAX_KINDS = 16;

export const DudModel = z.object({
  /** Posterior mean and precision of each weight, intercept first. */
  mean: z.array(z.number()).length(DUD_WEIGHTS),
  precision: z.array(z.number().positive()).length(DUD_WEIGHTS),
  /** Outcomes learned: launches that ran, and duds by kind (the fleet's cause of the failure). */
  ran: z.number().int().min(0),
  duds: z.number().int().min(0),
  kinds: z.record(z.string(), z.number().int().min(0)),
});
export type DudModel = z.infer<typeof DudModel>;

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function priorDudModel(): DudModel {
  return {
    mean: [logit(PRIOR_DUD_RATE), ...DUD_FEATURES.map(() => 0)],
    precision: [INTERCEPT_PRECISION, ...DUD_FEATURES.map(() => PRIOR_PRECISION)],
    ran: 0,
    duds: 0,
    kinds: {},
  };
}

const withBias = (x: readonly number[]) => [1, ...x];
const dot = (w: readonly number[], x: readonly number[]) => w.reduce((s, wi, i) => s + wi * (x[i] ?? 0), 0);

/** P(dud) of a listing with features `x` (posterior mean weights). */
export function dudProbability(model: DudModel, x: readonly number[]): number {
  return sigmoid(dot(model.mean, withBias(x)));
}

/** One outcome: `kind` null for a launch that ran, else the kind of dud it was. */
export function learnOutcome(model: DudModel, x: readonly number[], kind: string | null): DudModel {
  const xb = withBias(x);
  const y = kind === null ? 0 : 1;
  const p = sigmoid(dot(model.mean, xb));
  const curvature = p * (1 - p);
  const precision = model.precision.map((q, i) => q + curvature * (xb[i] ?? 0) ** 2);
  const mean = model.mean.map((m, i) => m - ((p - y) * (xb[i] ?? 0)) / (precision[i] as number));
  const key = kind === null ? null : kind in model.kinds || Object.keys(model.kinds).length < MAX_KINDS ? kind : "other";
  return {
    mean,
    precision,
    ran: model.ran + (kind === null ? 1 : 0),
    duds: model.duds + (kind === null ? 0 : 1),
    kinds: key === null ? model.kinds : { ...model.kinds, [key]: (model.kinds[key] ?? 0) + 1 },
  };
}

/** Expected games per dollar of a rental that runs with probability `ran`, over one that surely runs. */
function valueShare(ran: number): number {
  return ran / (ran + (1 - ran) * (DUD_PAID_H / RUN_H));
}

/**
 * What an offer's games per dollar are multiplied by: a dud earns nothing and costs its boot, so an
 * offer is worth games/$ × P(ran) / (P(ran) + P(dud) × a dud's paid hours over a run's), relative to
 * an unremarkable listing (all features 0). With the prior's zero feature weights it is exactly 1 for
 * every offer, so the ranking is the one without the model.
 */
export function dudFactor(model: DudModel, x: readonly number[]): number {
  const base = sigmoid(model.mean[0] ?? 0);
  const p = dudProbability(model, x);
  return p === base ? 1 : valueShare(1 - p) / valueShare(1 - base);
}

/** For GET /stats: the weights by name (log-odds of a dud per unit of the feature), the counts and the observed dud rate. */
export interface DudModelView {
  weights: Record<string, number>;
  ran: number;
  duds: number;
  kinds: Record<string, number>;
  dudRate: number | null;
  priorDudRate: number;
}

export function describeDudModel(model: DudModel): DudModelView {
  const names = ["intercept", ...DUD_FEATURES];
  return {
    weights: Object.fromEntries(names.map((n, i) => [n, Math.round((model.mean[i] ?? 0) * 1000) / 1000])),
    ran: model.ran,
    duds: model.duds,
    kinds: model.kinds,
    dudRate: model.ran + model.duds > 0 ? model.duds / (model.ran + model.duds) : null,
    priorDudRate: PRIOR_DUD_RATE,
  };
}
