/**
 * The preflight's I/O (`GET /preflight`): reads only, every call at once, and then `decide`
 * (checks.ts) says what they mean. Nothing is rented and nothing stored: the Vast calls are the
 * account and the fleet's own offer search, the Hugging Face calls are reads (whoami-v2, repo
 * info, a HEAD of the weights), and Slack hears one test message only when asked.
 * @module
 */

import type { Outgoing } from "../alerts/machine";
import { render, send } from "../alerts/slack";
import type { Env } from "../env";
import type { FleetStub } from "../api/fleet";
import { registry } from "../fleet/registry";
import { checkWeights, hfDepsFor, repoInfo, whoAmI } from "../health/hf";
import { offerQuery } from "../reconcile/offers";
import { adoptBlocks } from "../reconcile/shared-hosts";
import { redact } from "../redact";
import { VastError } from "../vast/errors";
import { clientFor, vastFetch } from "../vast/transport";
import { decide, type Preflight, type PreflightFacts, type VastOutcome } from "./checks";

export interface PreflightOptions {
  /** The target to check for; null for the fleet's own. */
  n: number | null;
  /** Send one test message to SLACK_WEBHOOK_URL. */
  slack: boolean;
}

/** A Vast call as data: a refused key (401/403) apart from every other failure. */
async function outcome<T>(call: () => Promise<T>, env: Env): Promise<VastOutcome<T>> {
  try {
    return { kind: "ok", value: await call() };
  } catch (e) {
    const detail = redact(e instanceof Error ? e.message : String(e), env);
    if (e instanceof VastError && e.kind === "auth") return { kind: "refused", status: e.status ?? 401, detail };
    return { kind: "error", detail };
  }
}

export async function runPreflight(env: Env, fleet: string, stub: FleetStub, opts: PreflightOptions): Promise<Preflight> {
  const [got, context] = await Promise.all([stub.getConfig(fleet), stub.offerContext(fleet)]);
  // getConfig never fails (its errors are in the value); an RPC failure would have thrown.
  const config =
    got.ok && got.value.config
      ? { ok: true as const, config: got.value.config }
      : { ok: false as const, errors: got.ok ? got.value.errors : [got.message] };
  const vast = clientFor(env);
  const keySet = Boolean(env.VAST_API_KEY);
  const hf = hfDepsFor(env, vastFetch(env));
  const c = config.ok ? config.config : null;

  // The pass adopts the account's shared host blocks before it ranks offers; so does its preview.
  const state = (async () => {
    try {
      return adoptBlocks(context.state, await registry(env).hostBlocks(context.now), fleet, context.now);
    } catch {
      return context.state;
    }
  })();
  const [vastUser, offers, hfFacts, slack, offerState] = await Promise.all([
    keySet ? outcome(() => vast.currentUser().then((u) => ({ id: u.id, credit: u.credit })), env) : null,
    keySet && c ? outcome(async () => vast.searchOffers(offerQuery(c, (await state).vramFloorMb)), env) : null,
    c
      ? Promise.all([
          hf.token ? whoAmI(hf) : null,
          repoInfo(hf, "model", c.repoId),
          repoInfo(hf, "dataset", c.examplesRepoId),
          checkWeights(hf, c),
        ]).then(([whoami, weightsRepo, examplesRepo, weights]) => ({ whoami, weightsRepo, examplesRepo, weights }))
      : null,
    slackFact(env, fleet, context.now, opts.slack),
    state,
  ]);
  const facts: PreflightFacts = { fleet, n: opts.n, config, now: context.now, offerState, vastUser, offers, hf: hfFacts, slack };
  const answer = decide(facts);
  // Vast's and HF's words are shown as data, never a secret among them.
  return {
    ...answer,
    checks: answer.checks.map((ch) => ({ ...ch, detail: redact(ch.detail, env), fix: ch.fix === null ? null : redact(ch.fix, env) })),
  };
}

/** Whether Slack is configured, and with `test` what it did with one notice saying where it came from. */
async function slackFact(env: Env, fleet: string, now: number, test: boolean): Promise<PreflightFacts["slack"]> {
  const url = env.SLACK_WEBHOOK_URL;
  if (!url) return null;
  if (!test) return { tested: null };
  const notice: Outgoing = {
    type: "notice",
    kind: "preflight",
    instance: null,
    title: "Preflight: test message",
    detail: `GET /preflight?slack=1 for fleet ${fleet} sent this to check SLACK_WEBHOOK_URL; nothing was rented or changed.`,
    todo: "",
    at: now,
  };
  const result = await send(
    vastFetch(env),
    url,
    render(fleet, [notice], (s) => redact(s, env)),
  );
  return { tested: "error" in result ? { ...result, error: redact(result.error, env) } : result };
}
