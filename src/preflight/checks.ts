/**
 * The preflight's decisions (`GET /preflight`): which checks pass, what each says and how to fix
 * it, and what the first pass would rent. Pure: the runner (run.ts) gathers the facts, nothing here
 * does I/O, so every message is table-tested (test/preflight/checks.test.ts).
 * @module
 */

import type { SendResult } from "../alerts/slack";
import type { ConfigResult, FleetConfig } from "../config/fleet";
import { HF_COMMIT_BUDGET, HF_COMMITS_PER_HOUR, minUploadInterval, plannedUploadInterval } from "../config/uploads";
import { type HfRead, learnerCommand, type WeightsResult, type WhoAmI } from "../health/hf";
import { chooseOffers, type OfferChoiceContext, rankOffers } from "../reconcile/offers";
import type { Offer } from "../vast/schemas";

export const VAST_KEYS_URL = "https://cloud.vast.ai/manage-keys/";
export const VAST_BILLING_URL = "https://cloud.vast.ai/billing/";
export const HF_TOKENS_URL = "https://huggingface.co/settings/tokens";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure, naming the setting or the page; null when there is nothing to do. */
  fix: string | null;
}

export interface Rental {
  slot: number;
  gpu: string;
  machineId: number;
  offerId: number;
  dph: number;
  gamesPerSec: number;
  gamesPerDollar: number;
}

export interface FirstPass {
  rentals: Rental[];
  /** $/h of those rentals together. */
  dph: number;
  perDay: number;
}

export interface Preflight {
  fleet: string;
  /** The target the rentals and the runway are for (`?n=`, else the fleet's). */
  target: number;
  ok: boolean;
  checks: Check[];
  firstPass: FirstPass | null;
}

/** A Vast call's outcome: its value, a refusal of the key (401/403), or any other failure. */
export type VastOutcome<T> =
  | { kind: "ok"; value: T }
  | { kind: "refused"; status: number; detail: string }
  | { kind: "error"; detail: string };

export interface HfFacts {
  /** Null when HF_TOKEN is not set (nothing to ask). */
  whoami: HfRead<WhoAmI> | null;
  weightsRepo: HfRead<{ id: string }>;
  examplesRepo: HfRead<{ id: string }>;
  weights: { result: WeightsResult; detail: string };
}

export interface PreflightFacts {
  fleet: string;
  /** `?n=`: the target about to be set; null for the fleet's own. */
  n: number | null;
  config: ConfigResult;
  now: number;
  /** What the fleet's offer choice reads besides its config (its learned hosts and VRAM floor). */
  offerState: OfferChoiceContext["state"];
  /** Null when VAST_API_KEY is not set. */
  vastUser: VastOutcome<{ id: number; credit: number }> | null;
  /** Null when the search could not be made (no key, invalid config). */
  offers: VastOutcome<Offer[]> | null;
  /** Null when the config is invalid (no repositories to ask about). */
  hf: HfFacts | null;
  /** Null when SLACK_WEBHOOK_URL is not set; `tested` null when no test message was asked for. */
  slack: { tested: SendResult | null } | null;
}

const usd = (v: number, digits = 3) => `$${v.toFixed(digits)}`;
const kGames = (gamesPerDollar: number) => `~${Math.round(gamesPerDollar / 1000)}K games/$`;
const pass = (name: string, detail: string): Check => ({ name, ok: true, detail, fix: null });
const fail = (name: string, detail: string, fix: string): Check => ({ name, ok: false, detail, fix });

const VAST_KEY_FIX = `create a key at ${VAST_KEYS_URL} and \`wrangler secret put VAST_API_KEY\``;
const ADD_CREDIT = `add credit at ${VAST_BILLING_URL}`;
const RETRY = "retry in a few minutes; nothing was changed";
const hfTokenFix = (c: FleetConfig) =>
  `create a token with write access to ${c.repoId} and ${c.examplesRepoId} at ${HF_TOKENS_URL} and \`wrangler secret put HF_TOKEN\``;

export function decide(f: PreflightFacts): Preflight {
  const config = f.config.ok ? f.config.config : null;
  const target = f.n ?? config?.workers ?? 0;
  const firstPass = config && f.offers?.kind === "ok" ? planFirstPass(f.offers.value, target, config, f) : null;
  const checks = [
    configCheck(f, target),
    commitBudgetCheck(config, target),
    vastKeyCheck(f.vastUser),
    creditCheck(f.vastUser, firstPass, config, target),
    offersCheck(f, config, target, firstPass),
    ...hfChecks(f.hf, config),
    slackCheck(f.slack),
  ];
  return { fleet: f.fleet, target, ok: checks.every((c) => c.ok), checks, firstPass };
}

/** What a pass of an empty fleet at `target` would rent: the plan's own choice (offers.ts), slot by slot. */
function planFirstPass(offers: Offer[], target: number, config: FleetConfig, f: PreflightFacts): FirstPass {
  const chosen = chooseOffers(offers, target, { config, state: f.offerState, now: f.now, fleetDph: 0 });
  const rentals = chosen.map((r, slot) => ({
    slot,
    gpu: r.offer.gpu_name,
    machineId: r.offer.machine_id,
    offerId: r.offer.id,
    dph: r.offer.dph_total,
    gamesPerSec: r.expectedGamesPerSec,
    gamesPerDollar: Math.round(r.gamesPerDollar),
  }));
  const dph = rentals.reduce((s, r) => s + r.dph, 0);
  return { rentals, dph, perDay: dph * 24 };
}

function configCheck(f: PreflightFacts, target: number): Check {
  if (!f.config.ok)
    return fail(
      "config",
      `fleet ${f.fleet}'s config is invalid: ${f.config.errors.join("; ")}`,
      `fix the named settings in wrangler.toml [vars] or with PUT /fleets/${f.fleet}`,
    );
  const c = f.config.config;
  if (target > c.maxWorkers)
    return fail("config", `target ${target} is over maxWorkers (ZEB_MAX_WORKERS) ${c.maxWorkers}`, "raise ZEB_MAX_WORKERS, or aim lower");
  if (c.paused) return fail("config", `fleet ${f.fleet} is paused: /scale would rent nothing`, `POST /resume?fleet=${f.fleet}`);
  const fleetCap = c.maxFleetDph === null ? "" : `, at most ${usd(c.maxFleetDph)}/h for the fleet`;
  return pass(
    "config",
    `fleet ${f.fleet}: target ${target} of at most ${c.maxWorkers}, ${c.gpus.join(", ")} under ${usd(c.maxDph)}/h each${fleetCap}`,
  );
}

function commitBudgetCheck(c: FleetConfig | null, target: number): Check {
  if (!c) return fail("hfCommitBudget", "not checked: the config is invalid", "fix the config first");
  // `auto` chooses each launch's interval inside the budget: at the target, the planned one.
  const interval = plannedUploadInterval({ ...c, workers: target });
  const perHour = Math.round((target * 3600) / interval);
  const needed = minUploadInterval(target);
  if (interval < needed) {
    return fail(
      "hfCommitBudget",
      `${target} workers uploading every ${interval}s make ${perHour} commits/hour per repository, over the budget of ${HF_COMMIT_BUDGET} (Hugging Face allows ${HF_COMMITS_PER_HOUR})`,
      `set uploadInterval (ZEB_UPLOAD_INTERVAL) to at least ${needed}s, or aim lower`,
    );
  }
  return pass(
    "hfCommitBudget",
    `${target} workers uploading every ${interval}s${c.uploadInterval === "auto" ? " (auto)" : ""}: ${perHour} commits/hour per repository (budget ${HF_COMMIT_BUDGET}, Hugging Face allows ${HF_COMMITS_PER_HOUR})`,
  );
}

function vastKeyCheck(user: PreflightFacts["vastUser"]): Check {
  if (user === null) return fail("vastKey", "VAST_API_KEY is not set", VAST_KEY_FIX);
  if (user.kind === "refused")
    return fail("vastKey", `VAST_API_KEY is refused by Vast (HTTP ${user.status}: ${user.detail})`, VAST_KEY_FIX);
  if (user.kind === "error") return fail("vastKey", `cannot ask Vast about the key: ${user.detail}`, RETRY);
  return pass("vastKey", `accepted by Vast (account ${user.value.id})`);
}

function creditCheck(user: PreflightFacts["vastUser"], first: FirstPass | null, c: FleetConfig | null, target: number): Check {
  if (user?.kind !== "ok") return fail("credit", "not checked: Vast did not accept the key", "fix VAST_API_KEY first (vastKey)");
  const credit = user.value.credit;
  if (credit <= 0) return fail("credit", `credit ${usd(credit, 2)} on Vast: every rental would be refused for lack of credit`, ADD_CREDIT);
  if (!first || first.dph <= 0) return pass("credit", `credit ${usd(credit, 2)}; no rental planned, so no runway to tell`);
  const hours = credit / first.dph;
  const runway = `credit ${usd(credit, 2)} lasts ${hours.toFixed(1)} h (${(hours / 24).toFixed(1)} days) at ${usd(first.dph)}/h for ${first.rentals.length} of ${target} workers`;
  if (c && hours < c.creditAlertHours)
    return fail(
      "credit",
      `${runway}, under creditAlertHours (ZEB_CREDIT_ALERT_HOURS) ${c.creditAlertHours} h: the low-credit alert would fire at once`,
      ADD_CREDIT,
    );
  return pass("credit", runway);
}

function offersCheck(f: PreflightFacts, c: FleetConfig | null, target: number, first: FirstPass | null): Check {
  if (!c) return fail("offers", "not searched: the config is invalid", "fix the config first");
  if (f.offers === null) return fail("offers", "not searched: no VAST_API_KEY", VAST_KEY_FIX);
  if (f.offers.kind === "refused") return fail("offers", `not searched: Vast refused the key (HTTP ${f.offers.status})`, VAST_KEY_FIX);
  if (f.offers.kind === "error") return fail("offers", `the offer search failed: ${f.offers.detail}`, RETRY);
  const cap = `${usd(c.maxDph)}/h`;
  const widen = "raise ZEB_MAX_DPH or add GPU models to ZEB_GPUS";
  const ranked = rankOffers(f.offers.value, { config: c, state: f.offerState, now: f.now, fleetDph: 0 });
  const skipped = f.offers.value.length - ranked.length;
  const best = ranked[0];
  if (!best) {
    const why = skipped > 0 ? ` (${skipped} listed, none the fleet would rent: blocked hosts, its VRAM floor)` : "";
    return fail("offers", `no offers under ${cap}${why}`, widen);
  }
  const cheapest = ranked.reduce((a, b) => (b.offer.dph_total < a.offer.dph_total ? b : a));
  const summary = `${ranked.length} usable offers under ${cap}${skipped > 0 ? ` (${skipped} more listed that the fleet would not rent)` : ""}; cheapest ${cheapest.offer.gpu_name} ${usd(cheapest.offer.dph_total)}/h; best value ${best.offer.gpu_name} ${usd(best.offer.dph_total)}/h, ${kGames(best.gamesPerDollar)}`;
  const rented = first?.rentals.length ?? 0;
  if (rented < target) {
    const ceiling = c.maxFleetDph === null ? "" : ` or ZEB_MAX_FLEET_DPH (${usd(c.maxFleetDph)}/h)`;
    return fail("offers", `${summary}; only ${rented} of ${target} workers fit`, `${widen}${ceiling}, or scale to ${rented}`);
  }
  return pass("offers", summary);
}

/** Whether whoami-v2 says the token may write to the repo (hub-docs security-tokens.md: read, write, fine-grained). */
export function canWrite(who: WhoAmI, kind: "model" | "dataset", repoId: string): boolean {
  const owner = repoId.split("/")[0] ?? "";
  const token = who.auth.accessToken;
  if (!token) return false;
  if (token.role === "write" || token.role === "admin") return owner === who.name || who.orgs.some((o) => o.name === owner);
  if (token.role !== "fineGrained") return false;
  return (token.fineGrained?.scoped ?? []).some(
    (s) =>
      s.permissions.includes("repo.write") &&
      ((s.entity.type === kind && s.entity.name === repoId) ||
        ((s.entity.type === "user" || s.entity.type === "org") && s.entity.name === owner)),
  );
}

function hfChecks(hf: HfFacts | null, c: FleetConfig | null): Check[] {
  const names = ["hfToken", "hfWeightsRepo", "hfExamplesRepo", "weights"];
  if (!hf || !c) return names.map((n) => fail(n, "not checked: the config is invalid", "fix the config first"));
  const who = hf.whoami;
  const tokenFix = hfTokenFix(c);
  let token: Check;
  if (who === null) token = fail("hfToken", "HF_TOKEN is not set", tokenFix);
  else if (who.kind === "refused") token = fail("hfToken", `HF_TOKEN is refused by Hugging Face (${who.detail})`, tokenFix);
  else if (who.kind !== "ok") token = fail("hfToken", `cannot ask Hugging Face whose HF_TOKEN it is: ${who.detail}`, RETRY);
  else token = pass("hfToken", `accepted: ${who.value.name}'s, role ${who.value.auth.accessToken?.role ?? "unknown"}`);
  const repo = (name: string, kind: "model" | "dataset", repoId: string, field: string, info: HfRead<{ id: string }>): Check => {
    if (info.kind === "refused") return fail(name, `HF_TOKEN is refused on ${repoId} (${info.detail})`, tokenFix);
    if (info.kind === "http" && info.status === 403)
      return fail(name, `HF 403 on ${repoId} (${info.detail})`, `give the token write access to it (${HF_TOKENS_URL})`);
    if (info.kind === "http" && (info.status === 404 || info.status === 401)) {
      return fail(
        name,
        `${repoId} not found on Hugging Face, or private and the token cannot read it (${info.detail})`,
        `create the ${kind} ${repoId}, or correct ${field}`,
      );
    }
    if (info.kind !== "ok") return fail(name, `cannot read ${repoId}: ${info.detail}`, RETRY);
    if (who?.kind !== "ok") return fail(name, `${repoId} is readable; write access unknown: HF_TOKEN not accepted`, tokenFix);
    if (!canWrite(who.value, kind, repoId)) {
      return fail(
        name,
        `${repoId} is readable but HF_TOKEN (role ${who.value.auth.accessToken?.role ?? "unknown"}) cannot write to it`,
        `give the token write access to it (${HF_TOKENS_URL})`,
      );
    }
    return pass(name, `${repoId}: readable, and HF_TOKEN may write to it (nothing was committed)`);
  };
  const file = `${c.weightsName}.pt`;
  let weights: Check;
  if (hf.weights.result === "present") weights = pass("weights", `${file} found in ${c.repoId}`);
  else if (hf.weights.result === "missing")
    weights = fail("weights", `weights ${file} missing in ${c.repoId} (${hf.weights.detail})`, `start the learner: ${learnerCommand(c)}`);
  else if (hf.weights.result === "unauthorized") weights = fail("weights", hf.weights.detail, tokenFix);
  else weights = fail("weights", hf.weights.detail, RETRY);
  return [
    token,
    repo("hfWeightsRepo", "model", c.repoId, "ZEB_REPO_ID", hf.weightsRepo),
    repo("hfExamplesRepo", "dataset", c.examplesRepoId, "ZEB_EXAMPLES_REPO_ID", hf.examplesRepo),
    weights,
  ];
}

function slackCheck(slack: PreflightFacts["slack"]): Check {
  if (slack === null) return pass("slack", "SLACK_WEBHOOK_URL is not set (optional): alerts are only in /status and the events");
  const t = slack.tested;
  if (t === null) return pass("slack", "SLACK_WEBHOOK_URL is set; add slack=1 to send one test message");
  if (t.kind === "sent") return pass("slack", "test message sent to SLACK_WEBHOOK_URL");
  const why =
    t.kind === "retry_after" ? `rate limited, retry after ${t.seconds}s` : t.kind === "permanent" ? `HTTP ${t.status} ${t.error}` : t.error;
  const fix =
    t.kind === "permanent"
      ? "set SLACK_WEBHOOK_URL to an incoming-webhook URL of a Slack app: `wrangler secret put SLACK_WEBHOOK_URL`"
      : RETRY;
  return fail("slack", `Slack did not take the test message: ${why}`, fix);
}
