/**
 * A fleet's configuration: the runbook's ZEB_* settings. It is the fleet's desired state
 * (like a Kubernetes spec): `/scale` and `PUT /fleets/:fleet` change it, every pass reads it.
 *
 * Each field has one ZEB_* variable name (FIELD_VARS) so that wrangler.toml vars, error
 * messages and the runbook speak the same language.
 * @module
 */

import { z } from "zod";
import { HF_COMMIT_BUDGET, HF_COMMITS_PER_HOUR, minUploadInterval } from "./uploads";

/** Fleet names become label prefixes (`<fleet>-worker-vast-<n>`) and URL path segments. */
export const FleetName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "fleet names are 1-40 lowercase letters, digits and dashes, starting with a letter or digit");

/** A GPU model as Vast or the runbook writes it; a letter or digit first, so `__` (nothing once spaced) is not "any GPU". */
const GPU_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/;
const GPU_NAME_MESSAGE = "GPU names are letters, digits, spaces or underscores, starting with a letter or digit, e.g. RTX_3060_Ti";

/** Vast reports GPU names with spaces; the runbook writes them with underscores. Accept both, keep spaces. */
export const GpuName = z
  .string()
  .min(2)
  .max(64)
  .regex(GPU_NAME, GPU_NAME_MESSAGE)
  .transform((s) => s.replace(/_/g, " ").trim());

/** `RTX_3060` and `RTX 3060` are one model: listed twice, one of them is a typo for another model. */
const GpuList = z
  .array(GpuName)
  .min(1)
  .max(40)
  .superRefine((gpus, ctx) => {
    const twice = gpus.filter((g, i) => gpus.indexOf(g) !== i);
    if (twice.length > 0)
      ctx.addIssue({
        code: "custom",
        message: `lists ${[...new Set(twice)].join(", ")} more than once (underscores and spaces are the same)`,
      });
  });

/**
 * zod drops a `__proto__` key from a record without a word (JSON.parse makes it an own key), so it
 * is refused before the record is parsed; other keys must be GPU model names.
 */
const GpuPriors = z.preprocess(
  (v, ctx) => {
    if (typeof v === "object" && v !== null && Object.hasOwn(v, "__proto__"))
      ctx.addIssue({ code: "custom", path: ["__proto__"], message: GPU_NAME_MESSAGE, input: v });
    return v;
  },
  z.record(z.string().max(64).regex(GPU_NAME, GPU_NAME_MESSAGE), z.number().positive().max(1000)),
);

/**
 * What `docker pull` takes: a reference on one line. A newline would add lines to Vast's create
 * body and bidi or zero-width characters would make /status show another image than the one run.
 */
const Image = z
  .string()
  .min(1)
  .max(1024)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$/,
    "an image reference such as pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime (letters, digits and . _ / : @ + -)",
  );

/** `git clone` runs it on every worker: a remote over https, http or git, never file: or a script. */
const CodeRepo = z.url({
  protocol: /^(https?|git)$/,
  hostname: /^[A-Za-z0-9.-]+$/,
  error: "must be an https://, http:// or git:// URL of a git repository",
});

/** games/s per GPU model from the runbook's performance table (Feb 2026, zeb-557k-1m). */
export const RUNBOOK_GPU_PRIORS: Record<string, number> = {
  "RTX 3060": 3.9,
  "RTX 3060 Ti": 4.2,
  "RTX 3070": 4.6,
  "RTX 3070 Ti": 5.1,
  "RTX 3080": 5.1,
  "RTX 3080 Ti": 5.6,
  "RTX 3090": 6.0,
  "RTX 4060": 4.4,
  "RTX 4060 Ti": 5.0,
  "RTX 4070": 6.2,
  "RTX 4080": 7.5,
  "RTX 4090": 9.0,
};

export const DEFAULT_GPUS = ["RTX 3060", "RTX 3060 Ti", "RTX 3070", "RTX 3070 Ti", "RTX 3080", "RTX 3080 Ti", "RTX 3090"];

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

export const FleetConfig = z
  .object({
    workers: z.number().int().min(0).max(1000),
    maxWorkers: z.number().int().min(1).max(1000),
    repoId: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "a Hugging Face repo id like owner/name"),
    examplesRepoId: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "a Hugging Face repo id like owner/name"),
    weightsName: z.string().regex(/^[\w.-]{1,100}$/, "a file stem such as zeb-557k-1m"),
    maxDph: z.number().positive().max(100),
    maxFleetDph: z.number().positive().max(10000).nullable(),
    gpus: GpuList,
    minGpuRamMb: z.number().int().min(0).max(200_000),
    /** Seconds between a worker's uploads, or `auto`: each launch gets its own (uploads.ts). */
    uploadInterval: z.union([z.literal("auto"), seconds(60, 86_400)]),
    image: Image,
    diskGb: z.number().int().min(8).max(2000),
    minDurationH: z.number().min(0).max(8760),
    minCuda: z.number().min(0).max(99),
    codeRepo: CodeRepo,
    codeBranch: z.string().regex(/^[\w./-]{1,100}$/),
    errGraceS: seconds(0, 86_400),
    setupTimeoutS: seconds(60, 86_400),
    bootTimeoutS: seconds(60, 86_400),
    waitTimeoutS: seconds(60, 86_400),
    stallTimeoutS: seconds(60, 86_400),
    maxLaunchesPerPass: z.number().int().min(1).max(100),
    maxLaunchesPerHour: z.number().int().min(1).max(1000),
    breakerLaunchFailures: z.number().int().min(1).max(100),
    breakerFatalFraction: z.number().min(0.05).max(1),
    creditProbeS: seconds(60, 86_400),
    creditAlertHours: z.number().min(0).max(10_000),
    learnerStallS: seconds(300, 7 * 86_400),
    digestHourUtc: z.number().int().min(0).max(23).nullable(),
    maxConcurrentUpgrades: z.number().int().min(0).max(100),
    maxDisruptionsPerPass: z.number().int().min(1).max(100),
    upgradeMinGain: z.number().min(0).max(10),
    upgradeTrialS: seconds(60, 86_400),
    upgradeCooldownS: seconds(0, 7 * 86_400),
    bounceWindowS: seconds(0, 86_400),
    gpuPriors: GpuPriors,
    /** On-demand, interruptible (bid) or both (docs/vast-interruptible.md; the bid policy: src/reconcile/plan/bids.ts). */
    capacity: z.enum(["on-demand", "interruptible", "mixed"]),
    /** `mixed`: at least this many workers stay on demand. */
    minOnDemand: z.number().int().min(0).max(1000),
    /** A bid starts this fraction above the offer's `min_bid`. */
    bidMargin: z.number().min(0).max(5),
    /** How long an outbid (paused) worker may wait to resume before it is destroyed and replaced. */
    outbidWaitS: seconds(0, 86_400),
    paused: z.boolean(),
  })
  .strict();
export type FleetConfig = z.infer<typeof FleetConfig>;

export const DEFAULTS: FleetConfig = {
  workers: 0,
  maxWorkers: 32,
  repoId: "jasonyandell/zeb-42",
  examplesRepoId: "jasonyandell/zeb-42-examples",
  weightsName: "zeb-557k-1m",
  maxDph: 0.09,
  maxFleetDph: null,
  gpus: DEFAULT_GPUS,
  minGpuRamMb: 0,
  uploadInterval: "auto",
  image: "pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime",
  diskGb: 15,
  // A host whose listing ends within a day would end a worker's rental with it.
  minDurationH: 24,
  // The image's CUDA 12.6 runs on any 12.x driver (CUDA minor-version compatibility), not on 11.x.
  minCuda: 12,
  codeRepo: "https://github.com/jasonyandell/mk5-main.git",
  codeBranch: "forge",
  errGraceS: 300,
  setupTimeoutS: 600,
  bootTimeoutS: 600,
  waitTimeoutS: 900,
  // A batch of 256 games takes ~60 s at 4 games/s and ~180 s on the slowest host seen (1.4 games/s);
  // an upload plus a weight sync with HF retries (5+10+20 s) can add a minute. 600 s is three slow
  // batches: a live worker never trips it, a dead one is caught well before the 15-minute WAIT budget.
  stallTimeoutS: 600,
  maxLaunchesPerPass: 4,
  maxLaunchesPerHour: 24,
  breakerLaunchFailures: 5,
  breakerFatalFraction: 0.5,
  creditProbeS: 300,
  creditAlertHours: 12,
  learnerStallS: 3600,
  digestHourUtc: 8,
  maxConcurrentUpgrades: 1,
  maxDisruptionsPerPass: 1,
  upgradeMinGain: 0.15,
  upgradeTrialS: 900,
  upgradeCooldownS: 1800,
  // Other renters give a dud back 10-30 minutes after renting it; a good host they keep for hours.
  bounceWindowS: 2700,
  gpuPriors: RUNBOOK_GPU_PRIORS,
  // On demand until the benchmark says otherwise (docs/benchmark.md, "Interruptible capacity").
  capacity: "on-demand",
  minOnDemand: 1,
  bidMargin: 0.15,
  outbidWaitS: 600,
  paused: false,
};

/** The wrangler.toml / `--var` name of each field. */
export const FIELD_VARS: Record<keyof FleetConfig, string> = {
  workers: "ZEB_WORKERS",
  maxWorkers: "ZEB_MAX_WORKERS",
  repoId: "ZEB_REPO_ID",
  examplesRepoId: "ZEB_EXAMPLES_REPO_ID",
  weightsName: "ZEB_WEIGHTS_NAME",
  maxDph: "ZEB_MAX_DPH",
  maxFleetDph: "ZEB_MAX_FLEET_DPH",
  gpus: "ZEB_GPUS",
  minGpuRamMb: "ZEB_MIN_GPU_RAM_MB",
  uploadInterval: "ZEB_UPLOAD_INTERVAL",
  image: "ZEB_IMAGE",
  diskGb: "ZEB_DISK_GB",
  minDurationH: "ZEB_MIN_DURATION_H",
  minCuda: "ZEB_MIN_CUDA",
  codeRepo: "ZEB_CODE_REPO",
  codeBranch: "ZEB_CODE_BRANCH",
  errGraceS: "ZEB_ERR_GRACE_S",
  setupTimeoutS: "ZEB_SETUP_TIMEOUT_S",
  bootTimeoutS: "ZEB_BOOT_TIMEOUT_S",
  waitTimeoutS: "ZEB_WAIT_TIMEOUT_S",
  stallTimeoutS: "ZEB_STALL_TIMEOUT_S",
  maxLaunchesPerPass: "ZEB_MAX_LAUNCHES_PER_PASS",
  maxLaunchesPerHour: "ZEB_MAX_LAUNCHES_PER_HOUR",
  breakerLaunchFailures: "ZEB_BREAKER_LAUNCH_FAILURES",
  breakerFatalFraction: "ZEB_BREAKER_FATAL_FRACTION",
  creditProbeS: "ZEB_CREDIT_PROBE_S",
  creditAlertHours: "ZEB_CREDIT_ALERT_HOURS",
  learnerStallS: "ZEB_LEARNER_STALL_S",
  digestHourUtc: "ZEB_DIGEST_HOUR_UTC",
  maxConcurrentUpgrades: "ZEB_MAX_CONCURRENT_UPGRADES",
  maxDisruptionsPerPass: "ZEB_MAX_DISRUPTIONS_PER_PASS",
  upgradeMinGain: "ZEB_UPGRADE_MIN_GAIN",
  upgradeTrialS: "ZEB_UPGRADE_TRIAL_S",
  upgradeCooldownS: "ZEB_UPGRADE_COOLDOWN_S",
  bounceWindowS: "ZEB_BOUNCE_WINDOW_S",
  gpuPriors: "ZEB_GPU_PRIORS",
  capacity: "ZEB_CAPACITY",
  minOnDemand: "ZEB_MIN_ON_DEMAND",
  bidMargin: "ZEB_BID_MARGIN",
  outbidWaitS: "ZEB_OUTBID_WAIT_S",
  paused: "ZEB_PAUSED",
};

export type ConfigResult = { ok: true; config: FleetConfig } | { ok: false; errors: string[] };

/**
 * Names each problem by field and ZEB_* variable so that the user can find it in wrangler.toml or
 * the API body: an unknown key by its own name, a whole-input problem by `root` (an API body, a query).
 */
export function describeIssues(error: z.ZodError, root = "(config)"): string[] {
  return error.issues.flatMap((issue) => {
    const named = (path: PropertyKey[], message: string) => {
      const key = path[0];
      const field = path.map(String).join(".") || root;
      const variable = typeof key === "string" && Object.hasOwn(FIELD_VARS, key) ? ` (${FIELD_VARS[key as keyof FleetConfig]})` : "";
      return `${field}${variable}: ${message}`;
    };
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => named([...issue.path, k], "unknown field"));
    if (issue.code === "invalid_key") return [named(issue.path, issue.issues.map((i) => i.message).join("; "))];
    return [named(issue.path, issue.message)];
  });
}

/** Validates a whole config and the rules that tie fields together. */
export function validateConfig(input: unknown): ConfigResult {
  const parsed = FleetConfig.superRefine((c, ctx) => {
    if (c.workers > c.maxWorkers) {
      ctx.addIssue({ code: "custom", path: ["workers"], message: `must be at most maxWorkers (${c.maxWorkers})` });
    }
    const needed = minUploadInterval(c.workers);
    if (c.uploadInterval !== "auto" && c.uploadInterval < needed) {
      ctx.addIssue({
        code: "custom",
        path: ["uploadInterval"],
        message: `${c.workers} workers uploading every ${c.uploadInterval}s exceed Hugging Face's ${HF_COMMITS_PER_HOUR} commits/hour (budget ${HF_COMMIT_BUDGET}); use at least ${needed}s`,
      });
    }
  }).safeParse(input);
  return parsed.success ? { ok: true, config: parsed.data } : { ok: false, errors: describeIssues(parsed.error) };
}

function parseVar(field: keyof FleetConfig, raw: string): unknown {
  const text = raw.trim();
  // Nullable fields first: digestHourUtc defaults to a number, so the typeof switch below would
  // turn "none" or "" into NaN instead of null.
  if (field === "maxFleetDph" || field === "digestHourUtc") return text === "" || text === "none" ? null : Number(text);
  if (field === "uploadInterval") return text === "auto" ? text : text === "" ? Number.NaN : Number(text);
  switch (typeof DEFAULTS[field]) {
    case "number":
      return text === "" ? Number.NaN : Number(text);
    case "boolean":
      return text === "1" || text.toLowerCase() === "true";
    default:
      break;
  }
  if (field === "gpus") return text.split(/[\s,]+/).filter(Boolean);
  if (field === "gpuPriors") {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** The config a fleet starts from: DEFAULTS overlaid with wrangler.toml vars (ZEB_*). */
export function configFromVars(vars: Record<string, unknown>): ConfigResult {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  for (const [field, name] of Object.entries(FIELD_VARS) as [keyof FleetConfig, string][]) {
    const raw = vars[name];
    if (typeof raw === "string") merged[field] = parseVar(field, raw);
  }
  return validateConfig(merged);
}

/** Applies a partial change (only known keys) and validates the result. */
export function patchConfig(current: FleetConfig, patch: unknown): ConfigResult {
  const partial = FleetConfig.partial().strict().safeParse(patch);
  if (!partial.success) return { ok: false, errors: describeIssues(partial.error) };
  return validateConfig({ ...current, ...partial.data });
}

const WORKER_LABEL = /^(.+)-worker-vast-(0|[1-9][0-9]{0,5})$/;

/** The fleet's label for slot n. */
export function labelFor(fleet: string, slot: number): string {
  return `${fleet}-worker-vast-${slot}`;
}

/**
 * The slot an instance holds in `fleet`, or null when the fleet does not own it. Ownership is the
 * whole label, never a prefix: `zeb` does not own `zeb-large-worker-vast-0`.
 */
export function slotOf(fleet: string, label: string | null | undefined): number | null {
  if (!label) return null;
  const m = WORKER_LABEL.exec(label);
  if (!m || m[1] !== fleet) return null;
  return Number(m[2]);
}
