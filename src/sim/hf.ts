/**
 * A tiny Hugging Face stand-in under /__sim/hf (point HF_ENDPOINT at it): the weights and state
 * files a monitor checks, the examples repo's commit list that running workers fill, the token's
 * whoami-v2 and the repos' info. Any repo id serves any known model; the simulator tracks models by
 * weights name only. `/__sim/control` `hf` gives a token another role (read, or refused outright)
 * and makes repos answer 403, as a token without access to them sees.
 * @module
 */

import { json } from "./http";
import { learnerStepAt } from "./tick";
import type { HfRole, MarketState } from "./types";

function notFound(): Response {
  return json({ error: "Entry not found" }, 404, { "X-Error-Code": "EntryNotFound" });
}

/** HF's answer to a token it does not know: a 401 that says so (what src/health/hf.ts `authProblem` reads). */
function refused(): Response {
  const message = "Invalid credentials in Authorization header";
  return json({ error: message }, 401, { "X-Error-Message": message });
}

function forbidden(repo: string): Response {
  return json({ error: `Access to ${repo} is forbidden for this token` }, 403, {
    "X-Error-Message": `Access to ${repo} is forbidden for this token`,
  });
}

/** The repo a path is about: `/api/{models,datasets}/o/n[/...]` or `/[datasets/|models/]o/n/resolve/...`. */
function repoOf(path: string): string | null {
  const api = /^\/api\/(?:models|datasets)\/([\w.-]+\/[\w.-]+)(?:\/|$)/.exec(path)?.[1];
  return api ?? /^\/(?:datasets\/|models\/)?([\w.-]+\/[\w.-]+)\/resolve\//.exec(path)?.[1] ?? null;
}

export function hfRoute(state: MarketState, method: string, path: string, now: number, authorization: string | null = null): Response {
  const token = /^Bearer\s+(\S+)$/.exec(authorization ?? "")?.[1] ?? null;
  const role: HfRole | null = token === null ? null : (state.hf.access?.roles[token] ?? "write");
  if (role === "refused") return refused();
  if (/^\/api\/whoami-v2\/?$/.test(path) && method === "GET") {
    if (role === null) return refused();
    // The fields whoami-v2 documents (huggingface.js ApiWhoAmIUser, ApiWhoAmIAuthInfo): a user, and the token's role.
    return json({
      type: "user",
      id: "sim0000000000000000000001",
      // The runbook's account, which owns the default repositories (ZEB_REPO_ID, ZEB_EXAMPLES_REPO_ID).
      name: "jasonyandell",
      fullname: "Simulated User",
      email: "sim@example.invalid",
      emailVerified: true,
      isPro: false,
      canPay: false,
      orgs: [],
      auth: { type: "access_token", accessToken: { displayName: "vastfleet", role } },
    });
  }
  const repo = repoOf(path);
  if (repo !== null && state.hf.access?.forbidden.includes(repo)) return forbidden(repo);
  const info = /^\/api\/(models|datasets)\/([\w.-]+\/[\w.-]+)\/?$/.exec(path);
  if (info && method === "GET")
    return json({ id: info[2], private: false, sha: `sim${(state.hf.commits[info[2] as string] ?? []).length}`, tags: [] });
  const commits = /^\/api\/datasets\/([\w.-]+\/[\w.-]+)\/commits\/[\w.-]+\/?$/.exec(path);
  if (commits && method === "GET") return json(state.hf.commits[commits[1] as string] ?? []);
  const file = /^\/(?:datasets\/|models\/)?[\w.-]+\/[\w.-]+\/resolve\/[\w.-]+\/(.+)$/.exec(path)?.[1];
  if (!file || (method !== "GET" && method !== "HEAD")) return notFound();
  const weights = /^(.+)\.pt$/.exec(file)?.[1];
  const stateOf = /^(.+)-state\.json$/.exec(file)?.[1];
  const name = weights ?? stateOf;
  const model = name === undefined ? undefined : state.hf.models[name];
  if (!model) return notFound();
  const step = learnerStepAt(model, now);
  const headers = { "X-Repo-Commit": `sim${step}`, ETag: `"${name}-${step}"` };
  if (stateOf !== undefined) return json({ step, total_games: model.totalGames }, 200, headers);
  const body = method === "HEAD" ? null : `simulated weights ${name} step ${step}\n`;
  return new Response(body, { status: 200, headers: { ...headers, "content-type": "application/octet-stream" } });
}
