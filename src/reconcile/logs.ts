/**
 * Turns the tail of a worker's container log (`vastai logs --tail 50`) into the evidence the
 * health classifier needs. Pure and one pass over the lines: it runs for every instance every minute.
 *
 * The old monitor (reference §5) checked "fatal" before "progress" over the whole tail and used
 * substring matches, so a recovered Traceback or the word "room" condemned a healthy worker. Here
 * each decisive line overrides the ones before it (newest evidence wins) and fatal words must be
 * whole words.
 * @module
 */

export type LogStage = "boot" | "setup" | "wait" | "running" | "fatal" | "empty";

export type FatalKind = "no_cuda" | "oom" | "traceback" | "killed" | "size_mismatch" | "launch_broken" | "exception";

export interface BatchLine {
  batch: number;
  examples: number;
  gamesPerSec: number;
  step: number;
  totalGames: number;
}

export interface LogEvidence {
  /** Set by the newest decisive line; non-blank text with nothing decisive reads as "wait". */
  stage: LogStage;
  /** Newest batch line anywhere in the tail, even before a fatal error, for stall detection. */
  lastBatch: BatchLine | null;
  /** Only when stage is "fatal": the evidence that decided it, trimmed and cut to FATAL_LINE_MAX. */
  fatal: { kind: FatalKind; line: string } | null;
  /** HF rejected the token somewhere in the tail; the worker may still be generating. */
  hfAuthError: boolean;
  /**
   * Batch lines since the newest "Upload complete": games the learner would lose if the worker
   * went now. Null when the tail shows no completed upload, or a failed one since (its batches wait
   * for the next cycle).
   */
  unsentBatches: number | null;
  /**
   * The worker's total_games at the batch before its newest "Upload complete": the games it has
   * delivered to the learner. Null when the tail shows no completed upload.
   */
  uploadedGames: number | null;
  /** Label of the newest setup or worker-start marker, e.g. "repo cloned", "Model loaded". */
  setupStep: string | null;
}

// --- Progress -------------------------------------------------------------------------------

// The worker has no heartbeat: batch lines are its only progress signal (§6). The id prefix is
// optional and total_games is absent from older workers' output, which the tail may still hold.
const BATCH_RE =
  /^\s*(?:\[[^\]]*\]\s*)?batch\s+(\d+)\s*:\s*(\d+)\s+examples\s*,\s*(\d+(?:\.\d+)?)\s+games\/s\s*,\s*step\s*=\s*(\d+)(?:\s*,\s*total_games\s*=\s*(\d+))?/;
// A new upload means the worker is busy committing to HF rather than stalled between batches (§8 b54f49d).
const UPLOADING_RE = /\bUploading \d+ batches\b/;
// The upload finished, so the worker's main loop is alive even if no batch line is in the tail yet.
const UPLOAD_COMPLETE_RE = /\bUpload complete\b/;
// The worker catches upload failures and retries next cycle (§6): alive, but no longer uploading.
const UPLOAD_FAILED_RE = /\bUpload failed\b/;
// Weight-sync lines are printed only inside the main loop, i.e. after at least one batch.
const WEIGHT_SYNC_RE = /\bWeights updated: step \d+|\bNo new weights \(still step \d+\)/;

// --- Setup and worker-start markers (onstart §1, worker §6) ---------------------------------

// First onstart line: the container runs and the script began.
const SETUP_STARTED_RE = /\bSetup started\b/;
// apt-get finished; a log that stops here means the clone hung or failed.
const GIT_INSTALLED_RE = /\bgit installed\b/;
// git's own progress line ("Cloning into '/root/code'...") while the clone is under way.
const CLONING_RE = /\bcloning\b/i;
// The clone succeeded; a log that stops here means pip failed.
const REPO_CLONED_RE = /\brepo cloned\b/;
// pip finished.
const DEPS_INSTALLED_RE = /\bdeps installed\b/;
// The CUDA smoke test passed, so the host's GPU and driver work.
const GPU_OK_RE = /\bGPU OK\b/;
// onstart is about to exec the worker: from here on the worker process owns the container.
const STARTING_WORKER_RE = /\bStarting worker\b/;
// Worker's first line: downloading weights from HF.
const PULLING_WEIGHTS_RE = /\bPulling initial weights\b/;
// Weights are on the GPU.
const MODEL_LOADED_RE = /\bModel loaded\b/;
// Building the self-play pipeline, which can take a while on slow hosts.
const CREATING_PIPELINE_RE = /\bCreating self-play pipeline\b/;
// Pipeline built; the first batch line follows after one batch of games.
const PIPELINE_CREATED_RE = /\bPipeline created\b/;
// Last line before the main loop: the worker is generating its first batch.
const WORKER_STARTING_RE = /^\s*Worker \S+ starting\b/;

// --- Boot ------------------------------------------------------------------------------------

// Vast answers with the Docker daemon's error while the image is still being pulled (§5 rule 5).
const NO_CONTAINER_RE = /\bNo such container\b/i;

// --- Not fatal -------------------------------------------------------------------------------

// The worker retries transient HF errors itself (§6), so these lines must not condemn it whatever
// exception names they quote.
const HF_TRANSIENT_RE = /^\s*HF transient error \(attempt \d+\/\d+\)|^\s*Retrying in \d+(?:\.\d+)?s\b/;
// HF rejected the token: the worker may keep generating, but its examples never reach the learner.
const HF_AUTH_RE = /\b40[13]\s+(?:Client Error|Forbidden|Unauthorized)\b|\bInvalid credentials\b|\bUnauthorized for url\b/i;
// A 401/403 naming a non-HF URL (e.g. an apt mirror during setup) says nothing about the HF token.
const NON_HF_URL_RE = /\bhttps?:\/\/(?![\w.-]*\b(?:huggingface\.co|hf\.co)\b)/i;

// --- Fatal -------------------------------------------------------------------------------------

// Opens a Python traceback; the block's final line names the error.
const TRACEBACK_RE = /^\s*Traceback \(most recent call last\):/;
// onstart's smoke test asserts "No CUDA"; the other two are torch's wording for a broken driver.
// All mean a bad host (runbook "No CUDA" error).
const NO_CUDA_RE = /\bNo CUDA\b|\bFound no NVIDIA driver\b|\bCUDA driver version is insufficient\b/i;
// The GPU lacks VRAM for the model: torch's message, its error class, or the kernel's OOM killer.
// Whole words only: the old monitor's case-insensitive "OOM" also matched "room" and "zoom".
const OOM_RE = /\bOOM\b|\bout of memory\b|OutOfMemoryError\b/i;
// The weights on HF do not fit the model the worker built: no retry on this host will help.
const SIZE_MISMATCH_RE = /\bsize mismatch\b/i;
// The shell's report that the kernel killed the worker (often a bare "Killed" line).
const KILLED_RE = /\bkilled\b/i;
// A Python exception's final line ("RuntimeError: ...", "torch.OutOfMemoryError: ...",
// "Exception: ...", bare "AssertionError"); a plain "Error:" is left out because Docker and the
// vastai CLI print that for non-fatal conditions.
const EXCEPTION_LINE_RE = /^\s*(?:[A-Za-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception|Interrupt)|Exception)(?::|$)/;
// "Exception in thread ...", "Unhandled exception": the word itself, never "exceptional".
const EXCEPTION_WORD_RE = /\bexception\b/i;
// A shell that cannot run the launch command (§8 70ed0ae); fatal only in bulk, see LAUNCH_BROKEN_LINES.
const LAUNCH_ERROR_RE = /\b(?:command not found|No such file or directory|Permission denied|cannot execute)\b/i;

/** Lines matching LAUNCH_ERROR_RE, with no sign that the worker started, that make a launch broken (§8 70ed0ae). */
export const LAUNCH_BROKEN_LINES = 10;

/** Cut applied to the fatal line so it fits in status output and event logs. */
export const FATAL_LINE_MAX = 200;

/** Every rule the parser applies, by name, so tests can check each one. */
export const LOG_PATTERNS = {
  batch: BATCH_RE,
  uploading: UPLOADING_RE,
  uploadComplete: UPLOAD_COMPLETE_RE,
  uploadFailed: UPLOAD_FAILED_RE,
  weightSync: WEIGHT_SYNC_RE,
  setupStarted: SETUP_STARTED_RE,
  gitInstalled: GIT_INSTALLED_RE,
  cloning: CLONING_RE,
  repoCloned: REPO_CLONED_RE,
  depsInstalled: DEPS_INSTALLED_RE,
  gpuOk: GPU_OK_RE,
  startingWorker: STARTING_WORKER_RE,
  pullingWeights: PULLING_WEIGHTS_RE,
  modelLoaded: MODEL_LOADED_RE,
  creatingPipeline: CREATING_PIPELINE_RE,
  pipelineCreated: PIPELINE_CREATED_RE,
  workerStarting: WORKER_STARTING_RE,
  noContainer: NO_CONTAINER_RE,
  hfTransient: HF_TRANSIENT_RE,
  hfAuth: HF_AUTH_RE,
  nonHfUrl: NON_HF_URL_RE,
  traceback: TRACEBACK_RE,
  noCuda: NO_CUDA_RE,
  oom: OOM_RE,
  sizeMismatch: SIZE_MISMATCH_RE,
  killed: KILLED_RE,
  exceptionLine: EXCEPTION_LINE_RE,
  exceptionWord: EXCEPTION_WORD_RE,
  launchError: LAUNCH_ERROR_RE,
} as const;

interface Marker {
  step: string;
  // "wait" markers come from the worker process itself, so they also count as launch progress.
  stage: "setup" | "wait";
  re: RegExp;
}

const MARKERS: readonly Marker[] = [
  { step: "Setup started", stage: "setup", re: SETUP_STARTED_RE },
  { step: "git installed", stage: "setup", re: GIT_INSTALLED_RE },
  { step: "cloning", stage: "setup", re: CLONING_RE },
  { step: "repo cloned", stage: "setup", re: REPO_CLONED_RE },
  { step: "deps installed", stage: "setup", re: DEPS_INSTALLED_RE },
  { step: "GPU OK", stage: "setup", re: GPU_OK_RE },
  { step: "Starting worker", stage: "wait", re: STARTING_WORKER_RE },
  { step: "Pulling initial weights", stage: "wait", re: PULLING_WEIGHTS_RE },
  { step: "Model loaded", stage: "wait", re: MODEL_LOADED_RE },
  { step: "Creating self-play pipeline", stage: "wait", re: CREATING_PIPELINE_RE },
  { step: "Pipeline created", stage: "wait", re: PIPELINE_CREATED_RE },
  { step: "Worker starting", stage: "wait", re: WORKER_STARTING_RE },
];

type LineEvent =
  | { type: "batch"; batch: BatchLine }
  | { type: "loop"; upload: "started" | "complete" | "failed" | null }
  | { type: "marker"; marker: Marker }
  | { type: "boot" }
  | { type: "traceback" }
  | { type: "fatal"; kind: FatalKind }
  | { type: "recoverable" };

// Order matters: the most specific diagnosis wins when one line matches several fatal rules
// (e.g. "torch.OutOfMemoryError: CUDA out of memory" is oom, not exception).
function fatalKindOf(line: string): FatalKind | null {
  if (NO_CUDA_RE.test(line)) return "no_cuda";
  if (OOM_RE.test(line)) return "oom";
  if (SIZE_MISMATCH_RE.test(line)) return "size_mismatch";
  if (KILLED_RE.test(line)) return "killed";
  if (EXCEPTION_LINE_RE.test(line) || EXCEPTION_WORD_RE.test(line)) return "exception";
  return null;
}

function parseBatch(m: RegExpExecArray): BatchLine {
  return {
    batch: Number(m[1]),
    examples: Number(m[2]),
    gamesPerSec: Number(m[3]),
    step: Number(m[4]),
    totalGames: m[5] === undefined ? 0 : Number(m[5]),
  };
}

function classifyLine(line: string): LineEvent | null {
  const batch = BATCH_RE.exec(line);
  if (batch) return { type: "batch", batch: parseBatch(batch) };
  // Checked before the fatal rules because these lines quote exception text the worker survives.
  if (HF_TRANSIENT_RE.test(line)) return { type: "recoverable" };
  if (UPLOAD_FAILED_RE.test(line)) return { type: "loop", upload: "failed" };
  if (UPLOAD_COMPLETE_RE.test(line)) return { type: "loop", upload: "complete" };
  if (UPLOADING_RE.test(line)) return { type: "loop", upload: "started" };
  if (WEIGHT_SYNC_RE.test(line)) return { type: "loop", upload: null };
  if (TRACEBACK_RE.test(line)) return { type: "traceback" };
  const kind = fatalKindOf(line);
  if (kind) return { type: "fatal", kind };
  if (NO_CONTAINER_RE.test(line)) return { type: "boot" };
  const marker = MARKERS.find((m) => m.re.test(line));
  return marker ? { type: "marker", marker } : null;
}

// A traceback's final line is classified by what it says; any other error is just "traceback".
function tracebackKindOf(finalLine: string): FatalKind {
  const kind = fatalKindOf(finalLine);
  return kind === "no_cuda" || kind === "oom" || kind === "size_mismatch" ? kind : "traceback";
}

function fatalEvidence(kind: FatalKind, line: string): { kind: FatalKind; line: string } {
  return { kind, line: line.trim().slice(0, FATAL_LINE_MAX) };
}

export function parseLogs(text: string): LogEvidence {
  // Non-blank text with nothing decisive: like the old monitor, assume the worker is still starting.
  let stage: LogStage = text.trim() === "" ? "empty" : "wait";
  let lastBatch: BatchLine | null = null;
  let fatal: { kind: FatalKind; line: string } | null = null;
  let hfAuthError = false;
  let unsentBatches: number | null = null;
  let uploadedGames: number | null = null;
  let setupStep: string | null = null;
  let progress = false;
  let launchErrors = 0;
  let lastLaunchError = "";
  let inTraceback = false;

  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === "") continue;
    if (HF_AUTH_RE.test(line) && !NON_HF_URL_RE.test(line)) hfAuthError = true;
    if (LAUNCH_ERROR_RE.test(line)) {
      launchErrors++;
      lastLaunchError = line;
    }

    const event = classifyLine(line);
    if (inTraceback) {
      // Indented lines are the block's frames and source excerpts, whose code may mention anything.
      if (/^\s/.test(line)) continue;
      inTraceback = false;
      // The first unindented line ends the block; unless it is progress interleaved from stdout,
      // it is the error itself and names the block's kind.
      if (event === null || event.type === "fatal") {
        stage = "fatal";
        fatal = fatalEvidence(tracebackKindOf(line), line);
        continue;
      }
    }
    if (event === null) continue;

    switch (event.type) {
      case "batch":
        stage = "running";
        lastBatch = event.batch;
        progress = true;
        if (unsentBatches !== null) unsentBatches++;
        break;
      case "loop":
        stage = "running";
        progress = true;
        if (event.upload === "complete") {
          unsentBatches = 0;
          if (lastBatch !== null) uploadedGames = lastBatch.totalGames;
        } else if (event.upload === "failed") unsentBatches = null;
        break;
      case "marker":
        stage = event.marker.stage;
        setupStep = event.marker.step;
        if (event.marker.stage === "wait") progress = true;
        break;
      case "boot":
        stage = "boot";
        break;
      case "traceback":
        // Fatal already: a tail cut off mid-traceback has no final line to refine it.
        stage = "fatal";
        fatal = fatalEvidence("traceback", line);
        inTraceback = true;
        break;
      case "fatal":
        stage = "fatal";
        fatal = fatalEvidence(event.kind, line);
        break;
      case "recoverable":
        break;
    }
  }

  // A broken launch repeats shell errors without ever reaching the worker; a specific fatal found
  // in the same tail says more, so it is kept.
  if (launchErrors >= LAUNCH_BROKEN_LINES && !progress && stage !== "fatal") {
    stage = "fatal";
    fatal = fatalEvidence("launch_broken", lastLaunchError);
  }

  return {
    stage,
    lastBatch,
    fatal: stage === "fatal" ? fatal : null,
    hfAuthError,
    unsentBatches,
    uploadedGames,
    setupStep,
  };
}
