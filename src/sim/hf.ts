import { json } from "./http";
import { learnerStepAt } from "./tick";
import type { MarketState } from "./types";

/**
 * A tiny Hugging Face stand-in under /__sim/hf (point HF_ENDPOINT at it): the weights and state
 * files a monitor checks, and the examples repo's commit list that running workers fill.
 * Any repo id serves any known model; the simulator tracks models by weights name only.
 */

function notFound(): Response {
  return json({ error: "Entry not found" }, 404, { "X-Error-Code": "EntryNotFound" });
}

export function hfRoute(state: MarketState, method: string, path: string, now: number): Response {
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
