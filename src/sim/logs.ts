/**
 * Container output as `vastai logs --tail N` shows it: what the onstart script prints on its host
 * (./onstart.ts), then the worker's lines (original-scripts.md §6). Generated from the instance's
 * milestones, so only the last `tail` batches are ever materialised.
 * @module
 */

import {
  batchEndMs,
  batchesDone,
  batchesInUpload,
  type CrashKind,
  EXAMPLES_PER_BATCH,
  freezeMs,
  GAMES_PER_BATCH,
  gamesPerSecOf,
  hfAuthFails,
  milestones,
  type Milestones,
  onstartRun,
  SLOW_SETUP_HANGS_AT,
  uploadsAfter,
  WEIGHT_SYNC_INTERVAL,
} from "./lifecycle";
import { hash01 } from "./rng";
import type { SimInstance } from "./types";

export type StepAt = (simMs: number) => number;

const S = 1000;
const RUNPY = [
  "Traceback (most recent call last):",
  '  File "<frozen runpy>", line 198, in _run_module_as_main',
  '  File "<frozen runpy>", line 88, in _run_code',
  '  File "/root/code/forge/zeb/worker/run.py", line 312, in <module>',
  "    main()",
];

const LAUNCH_BROKEN = [
  "/root/onstart.sh: line 3: /root/code/forge/zeb/vast/setup.sh: No such file or directory",
  "bash: python: command not found",
  "/root/onstart.sh: line 7: cd: /root/code: No such file or directory",
];
const LAUNCH_BROKEN_LINES = 14;

/** `date`'s default format, e.g. "Thu Feb  6 12:00:00 UTC 2026". */
function shellDate(ms: number): string {
  const d = new Date(ms);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  const time = d.toISOString().slice(11, 19);
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, " ")} ${time} UTC ${d.getUTCFullYear()}`;
}

function noSuchContainer(inst: SimInstance): string {
  return `Error response from daemon: No such container: C.${inst.id}`;
}

class Lines {
  readonly out: string[] = [];
  constructor(private readonly until: number) {}
  /** Adds a line printed at `t`; false once output has stopped, so callers can stop early. */
  at(t: number, ...lines: string[]): boolean {
    if (!(t <= this.until)) return false;
    this.out.push(...lines);
    return true;
  }
}

export function instanceLogs(inst: SimInstance, now: number, tail: number, stepAt: StepAt): string {
  const m = milestones(inst);
  const until = freezeMs(inst, m, now);
  if (!(until >= m.runningMs)) return `${noSuchContainer(inst)}\n`;
  const lines = new Lines(until);
  const lastBatch = batchesDone(inst, m, until);
  const firstBatch = Math.max(1, lastBatch - tail + 1);
  const setupDone = firstBatch > 1 || setup(inst, m, lines, stepAt);
  if (setupDone) for (let b = firstBatch; b <= lastBatch; b++) batch(inst, m, lines, b, stepAt);
  if (m.crash !== null) lines.at(m.crash.ms, ...crashLines(inst, m.crash.kind));
  return finish(lines, tail);
}

function finish(lines: Lines, tail: number): string {
  const kept = lines.out.slice(-tail);
  return kept.length ? `${kept.join("\n")}\n` : "";
}

/** The script's output, then the worker's preamble; false when output ends before the first batch. */
function setup(inst: SimInstance, m: Milestones, lines: Lines, stepAt: StepAt): boolean {
  const w = inst.worker;
  const start = m.runningMs + S;
  if (inst.fault === "launch_broken") {
    for (let i = 0; i < LAUNCH_BROKEN_LINES; i++) {
      if (!lines.at(start + i * 4 * S, LAUNCH_BROKEN[i % LAUNCH_BROKEN.length] as string)) break;
    }
    return false;
  }
  const run = onstartRun(inst);
  for (const line of run.lines) {
    if (inst.fault === "slow_setup" && line.at >= SLOW_SETUP_HANGS_AT) return false;
    const t = Math.max(start, m.runningMs + line.at * inst.timeline.setupS * S);
    if (!lines.at(t, line.text.replace(/\$\(date\)/g, shellDate(t)))) return false;
  }
  if (!Number.isFinite(m.setupEndMs)) return false;
  const t0 = m.setupEndMs;
  const loadedStep = stepAt(t0 + 3 * S);
  return (
    lines.at(t0 + 0.8 * S, `Pulling initial weights from ${w.repoId}/${w.weightsName}.pt...`) &&
    lines.at(t0 + 3 * S, `  Model loaded (step ${loadedStep}), 557,186 params, tokenizer=v1`, `  Examples repo: ${w.examplesRepoId}`) &&
    lines.at(t0 + 3.1 * S, "Creating self-play pipeline...") &&
    lines.at(
      m.workerMs,
      `Pipeline created in ${m.pipelineS.toFixed(1)}s`,
      "",
      `Worker ${w.workerId} starting (output: ${w.examplesRepoId} (namespace: ${w.weightsName}))`,
      `  games_per_batch=${GAMES_PER_BATCH}, weight_sync_interval=${WEIGHT_SYNC_INTERVAL}`,
      `  upload_interval=${w.uploadIntervalS}s (folder upload)`,
    )
  );
}

/** The worker's step while generating batch b+1: the one it loaded or last synced. */
function workerStep(inst: SimInstance, m: Milestones, b: number, stepAt: StepAt): number {
  const synced = b - (b % WEIGHT_SYNC_INTERVAL);
  return synced < WEIGHT_SYNC_INTERVAL ? stepAt(m.setupEndMs + 3 * S) : stepAt(batchEndMs(inst, m, synced) + 3 * S);
}

function batch(inst: SimInstance, m: Milestones, lines: Lines, b: number, stepAt: StepAt): void {
  const w = inst.worker;
  const tag = `[${w.workerId}]`;
  const end = batchEndMs(inst, m, b);
  const rate = gamesPerSecOf(inst, m, b).toFixed(1);
  const before = workerStep(inst, m, b - 1, stepAt);
  if (
    !lines.at(end, `${tag} batch ${b}: ${EXAMPLES_PER_BATCH} examples, ${rate} games/s, step=${before}, total_games=${GAMES_PER_BATCH * b}`)
  )
    return;
  if (uploadsAfter(inst, m, b)) {
    const k = batchesInUpload(inst, m, b);
    if (!lines.at(end + 0.5 * S, `${tag} Uploading ${k} batches to HF...`)) return;
    const result = hfAuthFails(inst)
      ? `${tag} Upload failed (401 Client Error: Unauthorized for url: https://huggingface.co/api/datasets/${w.examplesRepoId}/preupload/main), will retry next cycle`
      : `${tag} Upload complete (${k} batches)`;
    if (!lines.at(end + 2.5 * S, result)) return;
  }
  if (b % WEIGHT_SYNC_INTERVAL !== 0 || b === m.syncCrashBatch) return;
  const after = workerStep(inst, m, b, stepAt);
  lines.at(
    end + 3 * S,
    after > before ? `${tag} Weights updated: step ${before} -> ${after}` : `${tag} No new weights (still step ${before})`,
  );
}

function crashLines(inst: SimInstance, kind: CrashKind): string[] {
  const w = inst.worker;
  switch (kind) {
    case "no_cuda":
      return [
        ...RUNPY,
        '  File "/root/code/forge/zeb/worker/run.py", line 198, in main',
        "    model = model.to(device)",
        "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx",
      ];
    case "oom": {
      const gib = (inst.gpuRamMb / 1024) * 0.97;
      const want = (0.5 + 1.5 * hash01(inst.seed, -2)).toFixed(2);
      return [
        ...RUNPY,
        '  File "/root/code/forge/zeb/worker/run.py", line 241, in main',
        "    batch = pipeline.generate(games_per_batch)",
        '  File "/root/code/forge/zeb/selfplay/pipeline.py", line 118, in generate',
        "    logits, values = self.model(tokens, mask)",
        `torch.OutOfMemoryError: CUDA out of memory. Tried to allocate ${want} GiB. GPU 0 has a total capacity of ${gib.toFixed(2)} GiB of which 312.00 MiB is free. Including non-PyTorch memory, this process has ${(gib - 0.4).toFixed(2)} GiB memory in use.`,
      ];
    }
    case "crash":
      return [
        ...RUNPY,
        '  File "/root/code/forge/zeb/worker/run.py", line 241, in main',
        "    batch = pipeline.generate(games_per_batch)",
        '  File "/root/code/forge/zeb/selfplay/mcts.py", line 207, in search',
        "    visits = torch.zeros(n_nodes, device=self.device)",
        "RuntimeError: CUDA error: an illegal memory access was encountered",
      ];
    case "hf_auth":
      return [
        ...RUNPY,
        '  File "/root/code/forge/zeb/worker/run.py", line 268, in main',
        "    new_step = sync_weights(model, repo_id, weights_name)",
        `requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/${w.repoId}/resolve/main/${w.weightsName}-state.json`,
      ];
  }
}
