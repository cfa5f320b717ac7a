/**
 * Hugging Face checks: are the weights there before we rent anything, is the learner stepping,
 * are examples arriving. The runbook's morning checklist, every few minutes. Each check runs at
 * most every CHECK_INTERVAL_MS (HF rate limits and the Worker's subrequest budget), and every
 * result is one of: a definite answer, or `unknown` (network, 5xx, rate limit) which never
 * counts as "missing": cannot see is not gone.
 * @module
 */

import { z } from "zod";
import type { FleetConfig } from "../config/fleet";
import { plannedUploadInterval } from "../config/uploads";
import type { Env } from "../env";
import type { WorkerView } from "../reconcile/report";
import type { FleetState } from "../reconcile/state";
import type { FetchLike } from "../vast/http";

export const CHECK_INTERVAL_MS = 10 * 60_000;
const HF_TIMEOUT_MS = 8_000;
/** Examples are silent after this many upload intervals without a commit. */
export const SILENT_UPLOADS = 3;
/** Marks a launch hold as this module's, so that it never lifts a hold someone else set. */
export const HOLD_PREFIX = "Hugging Face: ";

export type WeightsResult = "present" | "missing" | "unauthorized" | "unknown";

export const HealthDoc = z.object({
  weights: z
    .object({
      key: z.string(),
      result: z.enum(["present", "missing", "unauthorized", "unknown"]),
      detail: z.string(),
      checkedAt: z.number(),
    })
    .nullable(),
  learner: z
    .object({
      key: z.string(),
      /** Null when the state file is absent. */
      step: z.number().int().nullable(),
      stepAdvancedAt: z.number().nullable(),
      checkedAt: z.number(),
      /** How long the step had not advanced while workers ran, as of the last definite check. */
      stalledForMs: z.number().nullable(),
    })
    .nullable(),
  examples: z
    .object({
      key: z.string(),
      newestAt: z.number().nullable(),
      /** The newest commit's id; docs saved before it was kept read as unknown. */
      commit: z.string().nullable().default(null),
      detail: z.string(),
      checkedAt: z.number(),
      silentForMs: z.number().nullable(),
    })
    .nullable(),
});
export type HealthDoc = z.infer<typeof HealthDoc>;

export const emptyHealth = (): HealthDoc => ({ weights: null, learner: null, examples: null });

export interface HfDeps {
  fetch: FetchLike;
  endpoint: string;
  token: string;
}

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** Hugging Face as the Worker's settings name it: HF_ENDPOINT (the simulator's stand-in, under test) and HF_TOKEN. */
export function hfDepsFor(env: Pick<Env, "HF_ENDPOINT" | "HF_TOKEN">, fetch: FetchLike): HfDeps {
  return { fetch, endpoint: env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT, token: env.HF_TOKEN ?? "" };
}

// --- wire ---------------------------------------------------------------------------------------

const LearnerState = z.object({ step: z.number().int() }).loose();
const Commits = z.array(z.object({ id: z.string(), date: z.string() }).loose());

function request(deps: HfDeps, path: string, method: "GET" | "HEAD"): Request {
  const headers: Record<string, string> = { "Accept-Encoding": "identity" };
  if (deps.token) headers.Authorization = `Bearer ${deps.token}`;
  // A CDN redirect (302) already proves the file exists; following it would only download bytes.
  return new Request(`${deps.endpoint.replace(/\/+$/, "")}${path}`, {
    method,
    headers,
    redirect: "manual",
    signal: AbortSignal.timeout(HF_TIMEOUT_MS),
  });
}

async function send(deps: HfDeps, path: string, method: "GET" | "HEAD"): Promise<Response | null> {
  try {
    return await deps.fetch(request(deps, path, method));
  } catch {
    return null;
  }
}

function describe(res: Response): string {
  const code = res.headers.get("X-Error-Code");
  const message = res.headers.get("X-Error-Message");
  return [`HTTP ${res.status}`, code, message].filter(Boolean).join(" ");
}

/** A bad token is a 401 that says so; other 401s are HF's "missing, private or gated" (platform.md §8). */
function authProblem(res: Response): boolean {
  if (res.status === 403) return true;
  return res.status === 401 && /invalid (credentials|user token|token)/i.test(res.headers.get("X-Error-Message") ?? "");
}

export async function checkWeights(
  deps: HfDeps,
  config: Pick<FleetConfig, "repoId" | "weightsName">,
): Promise<{ result: WeightsResult; detail: string }> {
  const file = `${config.weightsName}.pt`;
  const res = await send(deps, `/${config.repoId}/resolve/main/${file}`, "HEAD");
  if (res === null) return { result: "unknown", detail: `cannot reach Hugging Face for ${file}` };
  if (res.status === 200 || res.status === 302 || res.status === 307)
    return { result: "present", detail: `${file} found in ${config.repoId}` };
  if (authProblem(res)) return { result: "unauthorized", detail: `Hugging Face refused HF_TOKEN for ${config.repoId} (${describe(res)})` };
  if (res.status === 404 || res.status === 401) {
    const code = res.headers.get("X-Error-Code");
    const what =
      code === "RepoNotFound" || res.status === 401
        ? `repo ${config.repoId} not found (or private without access)`
        : `${file} not found in ${config.repoId}`;
    return { result: "missing", detail: `${what} (${describe(res)})` };
  }
  return { result: "unknown", detail: `Hugging Face answered ${describe(res)} for ${file}` };
}

/** The learner's step, null when its state file is absent, undefined when it cannot be read. */
export async function readLearnerStep(
  deps: HfDeps,
  config: Pick<FleetConfig, "repoId" | "weightsName">,
): Promise<number | null | undefined> {
  const res = await send(deps, `/${config.repoId}/resolve/main/${config.weightsName}-state.json`, "GET");
  if (res === null) return undefined;
  if (res.status === 404) return null;
  if (res.status !== 200) return undefined;
  const parsed = LearnerState.safeParse(await res.json().catch(() => null));
  return parsed.success ? parsed.data.step : undefined;
}

/** The newest commit's time (ms) in the examples dataset; null when there is none, undefined when unreadable. */
export async function readNewestCommit(
  deps: HfDeps,
  examplesRepoId: string,
): Promise<{ at: number | null; commit: string | null; detail: string } | undefined> {
  const res = await send(deps, `/api/datasets/${examplesRepoId}/commits/main`, "GET");
  if (res === null) return undefined;
  if (res.status === 404) return { at: null, commit: null, detail: `${examplesRepoId} not found (${describe(res)})` };
  if (res.status !== 200) return undefined;
  const parsed = Commits.safeParse(await res.json().catch(() => null));
  if (!parsed.success) return undefined;
  // The API lists newest first.
  const newest = parsed.data[0];
  const at = newest ? Date.parse(newest.date) : null;
  return at === null || Number.isNaN(at)
    ? { at: null, commit: null, detail: `no commits in ${examplesRepoId}` }
    : { at, commit: newest?.id ?? null, detail: `newest commit ${newest?.id.slice(0, 8)} in ${examplesRepoId}` };
}

/**
 * What whoami-v2 says of the token (huggingface.js `ApiWhoAmIAuthInfo`; fine-grained scopes as the
 * Hub's own Spaces read them: `fineGrained.scoped[].entity {type, name}` with `permissions`).
 */
export const WhoAmI = z
  .object({
    name: z.string(),
    orgs: z.array(z.object({ name: z.string() }).loose()).default([]),
    auth: z
      .object({
        accessToken: z
          .object({
            role: z.string(),
            fineGrained: z
              .object({
                global: z.array(z.string()).default([]),
                scoped: z
                  .array(
                    z
                      .object({ entity: z.object({ type: z.string(), name: z.string() }).loose(), permissions: z.array(z.string()) })
                      .loose(),
                  )
                  .default([]),
              })
              .loose()
              .optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .default({}),
  })
  .loose();
export type WhoAmI = z.infer<typeof WhoAmI>;

/** A read-only HF answer: the parsed body, the token refused, or an HTTP status with its reason. */
export type HfRead<T> =
  | { kind: "ok"; value: T }
  | { kind: "refused"; detail: string }
  | { kind: "http"; status: number; detail: string }
  | { kind: "unknown"; detail: string };

async function readJson<T>(deps: HfDeps, path: string, schema: z.ZodType<T>): Promise<HfRead<T>> {
  const res = await send(deps, path, "GET");
  if (res === null) return { kind: "unknown", detail: `cannot reach Hugging Face (${path})` };
  if (authProblem(res) && res.status === 401) return { kind: "refused", detail: describe(res) };
  if (res.status !== 200) return { kind: "http", status: res.status, detail: describe(res) };
  const parsed = schema.safeParse(await res.json().catch(() => null));
  return parsed.success ? { kind: "ok", value: parsed.data } : { kind: "unknown", detail: `unexpected answer from Hugging Face (${path})` };
}

/** Who the token is and what it may do; reads only. */
export function whoAmI(deps: HfDeps): Promise<HfRead<WhoAmI>> {
  return readJson(deps, "/api/whoami-v2", WhoAmI);
}

const RepoInfo = z.object({ id: z.string() }).loose();

/** A repository's info (`GET /api/models/{id}`, `/api/datasets/{id}`): 200 when the token can read it. */
export function repoInfo(deps: HfDeps, kind: "model" | "dataset", repoId: string): Promise<HfRead<{ id: string }>> {
  return readJson(deps, `/api/${kind}s/${repoId}`, RepoInfo);
}

// --- decisions ------------------------------------------------------------------------------------

const weightsKey = (c: Pick<FleetConfig, "repoId" | "weightsName">) => `${c.repoId}/${c.weightsName}`;

/** Before the first launch, then every CHECK_INTERVAL_MS until present; a new repo or weights name starts over. */
export function bootstrapDue(health: HealthDoc, config: FleetConfig, now: number): boolean {
  if (config.workers === 0) return false;
  const w = health.weights;
  if (!w || w.key !== weightsKey(config)) return true;
  return w.result !== "present" && now - w.checkedAt >= CHECK_INTERVAL_MS;
}

/** The launch hold that a weights result implies; `unknown` keeps whatever hold there is. */
export function applyWeights(hold: FleetState["launchHold"], result: WeightsResult, detail: string): FleetState["launchHold"] {
  const ours = hold?.startsWith(HOLD_PREFIX);
  if (result === "missing" || result === "unauthorized") return hold === null || ours ? `${HOLD_PREFIX}${detail}` : hold;
  if (result === "present" && ours) return null;
  return hold;
}

/** Bootstrap check before a pass: updates the health doc and the state's launch hold. */
export async function runBootstrap(
  deps: HfDeps,
  health: HealthDoc,
  hold: FleetState["launchHold"],
  config: FleetConfig,
  now: number,
): Promise<FleetState["launchHold"]> {
  if (!bootstrapDue(health, config, now)) return hold;
  const { result, detail } = await checkWeights(deps, config);
  health.weights = { key: weightsKey(config), result, detail, checkedAt: now };
  return applyWeights(hold, result, detail);
}

/** When the running fleet started running: new workers have had no time to upload yet. */
export function runningSince(workers: readonly WorkerView[]): number | null {
  const running = workers.filter((w) => w.phase === "RUNNING");
  return running.length === 0 ? null : Math.min(...running.map((w) => w.since));
}

/** Learner and examples checks after a pass; only while workers run, since only then is silence news. */
export async function runProgressChecks(
  deps: HfDeps,
  health: HealthDoc,
  workers: readonly WorkerView[],
  config: FleetConfig,
  now: number,
): Promise<void> {
  const since = runningSince(workers);
  if (since === null) {
    if (health.learner) health.learner.stalledForMs = null;
    if (health.examples) health.examples.silentForMs = null;
    return;
  }
  const key = weightsKey(config);
  const learner = health.learner?.key === key ? health.learner : null;
  if (!learner || now - learner.checkedAt >= CHECK_INTERVAL_MS) {
    const step = await readLearnerStep(deps, config);
    if (step !== undefined) {
      const advanced = learner === null || step !== learner.step ? (step === null ? null : now) : learner.stepAdvancedAt;
      health.learner = { key, step, stepAdvancedAt: advanced, checkedAt: now, stalledForMs: now - Math.max(advanced ?? since, since) };
    }
  }
  const examples = health.examples?.key === config.examplesRepoId ? health.examples : null;
  if (!examples || now - examples.checkedAt >= CHECK_INTERVAL_MS) {
    const newest = await readNewestCommit(deps, config.examplesRepoId);
    if (newest !== undefined) {
      health.examples = {
        key: config.examplesRepoId,
        newestAt: newest.at,
        commit: newest.commit,
        detail: newest.detail,
        checkedAt: now,
        silentForMs: now - Math.max(newest.at ?? since, since),
      };
    }
  }
}

export function examplesSilent(health: HealthDoc, config: FleetConfig): boolean {
  const e = health.examples;
  return (
    e !== null &&
    e.key === config.examplesRepoId &&
    e.silentForMs !== null &&
    e.silentForMs > SILENT_UPLOADS * plannedUploadInterval(config) * 1000
  );
}

export function learnerStalled(health: HealthDoc, config: FleetConfig): boolean {
  const l = health.learner;
  return l !== null && l.stalledForMs !== null && l.stalledForMs > config.learnerStallS * 1000;
}

export function learnerCommand(config: Pick<FleetConfig, "repoId" | "examplesRepoId" | "weightsName">): string {
  return `python -u -m forge.zeb.learner.run --repo-id ${config.repoId} --examples-repo-id ${config.examplesRepoId} --weights-name ${config.weightsName} --checkpoint YOUR_CHECKPOINT.pt --lr 1e-4 --batch-size 64 --wandb`;
}
