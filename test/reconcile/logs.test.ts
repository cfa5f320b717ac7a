import { describe, expect, it } from "vitest";
import { FATAL_LINE_MAX, LAUNCH_BROKEN_LINES, LOG_PATTERNS, parseLogs, type LogEvidence } from "../../src/reconcile/logs";

const log = (...lines: string[]): string => lines.join("\n");

const batchLine = (b: number, step = 142): string =>
  `[worker-vast-0] batch ${b}: 7168 examples, 1.${b % 10} games/s, step=${step}, total_games=${256 * b}`;

const batches = (from: number, to: number): string[] => {
  const out: string[] = [];
  for (let b = from; b <= to; b++) out.push(batchLine(b));
  return out;
};

/** What `vastai logs --tail 50` returns: the last 50 lines, cut wherever they fall. */
const tail50 = (text: string): string => text.split("\n").slice(-50).join("\n");
const head50 = (text: string): string => text.split("\n").slice(0, 50).join("\n");

// The runbook's "What healthy startup looks like" sample, verbatim.
const HEALTHY = log(
  "=== Setup started at Thu Feb  6 12:00:00 UTC 2026 ===",
  "git installed",
  "repo cloned",
  "deps installed",
  "GPU OK: NVIDIA GeForce RTX 3070",
  "=== Starting worker worker-vast-0 at Thu Feb  6 12:02:30 UTC 2026 ===",
  "Pulling initial weights from jasonyandell/zeb-42...",
  "  Model loaded (step 142), 557,186 params",
  "  Examples repo: jasonyandell/zeb-42-examples",
  "Creating self-play pipeline...",
  "Pipeline created in 8.3s",
  "",
  "Worker worker-vast-0 starting (output: jasonyandell/zeb-42-examples)",
  "[worker-vast-0] batch 1: 7168 examples, 1.4 games/s, step=142, total_games=256",
  "[worker-vast-0] batch 2: 7168 examples, 1.5 games/s, step=142, total_games=512",
);

const SETUP_PREFIX = ["=== Setup started at Thu Feb  6 12:00:00 UTC 2026 ===", "git installed", "repo cloned", "deps installed"];

const WORKER_PREFIX = [
  "=== Starting worker worker-vast-0 at Thu Feb  6 12:02:30 UTC 2026 ===",
  "Pulling initial weights from jasonyandell/zeb-42/zeb-557k-1m.pt...",
  "  Model loaded (step 142), 557,186 params, tokenizer=v1",
  "  Examples repo: jasonyandell/zeb-42-examples",
  "Creating self-play pipeline...",
  "Pipeline created in 8.3s",
  "",
  "Worker worker-vast-0 starting (output: jasonyandell/zeb-42-examples (namespace: zeb-557k-1m))",
  "  games_per_batch=256, weight_sync_interval=2",
  "  upload_interval=240s (folder upload)",
];

const NO_CUDA_TRACE = ["Traceback (most recent call last):", '  File "<string>", line 1, in <module>', "AssertionError: No CUDA"];

const OOM_MESSAGE =
  "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 7.79 GiB total capacity; 7.50 GiB already allocated; 3.44 MiB free; 7.60 GiB reserved in total by PyTorch) If reserved memory is >> allocated memory try setting max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF";

const OOM_TRACE = [
  "Traceback (most recent call last):",
  '  File "<frozen runpy>", line 198, in _run_module_as_main',
  '  File "<frozen runpy>", line 88, in _run_code',
  '  File "/root/code/forge/zeb/worker/run.py", line 293, in <module>',
  "    main()",
  '  File "/root/code/forge/zeb/worker/run.py", line 140, in run_worker',
  "    examples = pipeline.generate_games_gpu(n_games=args.games_per_batch)",
  "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
  OOM_MESSAGE,
];

const SIZE_MISMATCH_ONE_LINE =
  "RuntimeError: Error(s) in loading state_dict for ZebModel: size mismatch for tok_emb.weight: copying a param with shape torch.Size([64, 256]) from checkpoint, the shape in current model is torch.Size([64, 128]).";

const SIZE_MISMATCH_TRACE = [
  "Traceback (most recent call last):",
  '  File "/root/code/forge/zeb/worker/run.py", line 84, in run_worker',
  "    model.load_state_dict(state_dict)",
  '  File "/opt/conda/lib/python3.11/site-packages/torch/nn/modules/module.py", line 2584, in load_state_dict',
  "    raise RuntimeError(",
  "RuntimeError: Error(s) in loading state_dict for ZebModel:",
  "\tsize mismatch for tok_emb.weight: copying a param with shape torch.Size([64, 256]) from checkpoint, the shape in current model is torch.Size([64, 128]).",
];

const HF_401_TRACE = [
  "Traceback (most recent call last):",
  '  File "/root/code/forge/zeb/hf.py", line 61, in pull_weights_if_new',
  "    remote_step = get_remote_step(repo_id, weights_name=weights_name)",
  "huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/jasonyandell/zeb-42/resolve/main/zeb-557k-1m-state.json",
];

const launchErrors = (n: number): string[] =>
  Array.from({ length: n }, (_, i) =>
    i % 2 === 0 ? `bash: line ${i + 1}: python: command not found` : `/bin/sh: 1: cd: can't cd to /root/code: No such file or directory`,
  );

type Expect = Partial<LogEvidence>;

describe("LOG_PATTERNS", () => {
  // Keyed by the table so a new pattern without samples fails to type-check.
  const SAMPLES: Record<keyof typeof LOG_PATTERNS, { hit: string[]; miss: string[] }> = {
    batch: {
      hit: [
        "[worker-vast-0] batch 1: 7168 examples, 1.4 games/s, step=142, total_games=256",
        "[worker-vast-0] batch 7: 7168 examples, 12 games/s, step=3",
        "batch 3: 100 examples, 2.0 games/s, step=1, total_games=768",
      ],
      miss: ["batch size mismatch", "[w] batch 1: 7168 examples", "games_per_batch=256, weight_sync_interval=2"],
    },
    uploading: {
      hit: ["[worker-vast-0] Uploading 3 batches to HF..."],
      miss: ["Uploading weights", "[w] Upload complete (3 batches)"],
    },
    uploadComplete: { hit: ["[worker-vast-0] Upload complete (3 batches)"], miss: ["Upload completed? no: Upload completely"] },
    uploadFailed: {
      hit: ["[worker-vast-0] Upload failed (412 Client Error: Precondition Failed), will retry next cycle"],
      miss: ["[w] Upload complete (1 batches)"],
    },
    weightSync: {
      hit: ["[worker-vast-0] Weights updated: step 142 -> 150", "[worker-vast-0] No new weights (still step 142)"],
      miss: ["Pulling initial weights from x", "Weights updated"],
    },
    setupStarted: { hit: ["=== Setup started at Thu Feb  6 12:00:00 UTC 2026 ==="], miss: ["Setup startedly"] },
    gitInstalled: { hit: ["git installed"], miss: ["git installer", "digit installed"] },
    cloning: { hit: ["Cloning into '/root/code'..."], miss: ["cloningly", "repo cloned"] },
    repoCloned: { hit: ["repo cloned"], miss: ["repo cloning"] },
    depsInstalled: { hit: ["deps installed"], miss: ["Successfully installed huggingface_hub-0.28.1"] },
    gpuOk: { hit: ["GPU OK: NVIDIA GeForce RTX 3070"], miss: ["GPU OKAY", "gpu ok"] },
    startingWorker: {
      hit: ["=== Starting worker worker-vast-0 at Thu Feb  6 12:02:30 UTC 2026 ==="],
      miss: ["Worker worker-vast-0 starting (output: x)"],
    },
    pullingWeights: { hit: ["Pulling initial weights from jasonyandell/zeb-42..."], miss: ["Pulling fs layer"] },
    modelLoaded: { hit: ["  Model loaded (step 142), 557,186 params"], miss: ["Model loading"] },
    creatingPipeline: { hit: ["Creating self-play pipeline..."], miss: ["Pipeline created in 8.3s"] },
    pipelineCreated: { hit: ["Pipeline created in 8.3s"], miss: ["Creating self-play pipeline..."] },
    workerStarting: {
      hit: ["Worker worker-vast-0 starting (output: jasonyandell/zeb-42-examples)"],
      miss: ["=== Starting worker worker-vast-0 at x ===", "[w] Worker pool starting soon"],
    },
    noContainer: { hit: ["Error response from daemon: No such container: abc123"], miss: ["container started"] },
    hfTransient: {
      hit: ["  HF transient error (attempt 1/4): ReadTimeout('timed out')", "  Retrying in 5s..."],
      miss: ["HF transient", "Retrying soon"],
    },
    hfAuth: {
      hit: [
        "401 Client Error: Unauthorized for url: https://huggingface.co/api/whoami-v2",
        "huggingface_hub.errors.HfHubHTTPError: 403 Forbidden: you don't have write access",
        "Invalid credentials in Authorization header",
      ],
      miss: ["step=401", "4013 Client Errors", "  HF transient error (attempt 1/4): 500 Server Error"],
    },
    nonHfUrl: {
      hit: ["Err:1 http://archive.ubuntu.com/ubuntu jammy InRelease 403  Forbidden"],
      miss: ["Unauthorized for url: https://huggingface.co/api", "https://cdn-lfs.hf.co/x 403 Forbidden"],
    },
    traceback: { hit: ["Traceback (most recent call last):"], miss: ["traceback disabled"] },
    noCuda: {
      hit: ["AssertionError: No CUDA", "RuntimeError: Found no NVIDIA driver on your system."],
      miss: ["CUDA available", "No CUDAx"],
    },
    oom: {
      hit: [OOM_MESSAGE, "OOM", "Out of memory: Killed process 4242 (python)", "torch.cuda.OutOfMemoryError"],
      miss: ["room", "zoom", "a bloom filter", "Bloom", "vroom vroom"],
    },
    sizeMismatch: { hit: ["\tsize mismatch for tok_emb.weight"], miss: ["sizes mismatched"] },
    killed: {
      hit: ["Killed", "/bin/bash: line 1:    57 Killed                  python -u -m forge.zeb.worker.run"],
      miss: ["unkilled", "killedness"],
    },
    exceptionLine: {
      hit: ["RuntimeError: CUDA error: an illegal memory access", "Exception: boom", "AssertionError", "torch.OutOfMemoryError: x"],
      miss: ["Error: No such container: abc", "Error response from daemon", "ERROR: pip failed", "raise RuntimeError(msg)"],
    },
    exceptionWord: {
      hit: ["Exception in thread Thread-2:", "Unhandled exception"],
      miss: ["an exceptional result", "exceptions", "Exceptionally"],
    },
    launchError: {
      hit: [
        "bash: python: command not found",
        "cd: /root/code: No such file or directory",
        "bash: ./run: Permission denied",
        "cannot execute binary file",
      ],
      miss: ["command found", "directory listing"],
    },
  };

  it.each(Object.entries(LOG_PATTERNS))("%s is stateless (no g/y flag)", (_name, re) => {
    expect(re.global || re.sticky).toBe(false);
  });

  it.each(Object.entries(LOG_PATTERNS))("%s matches its samples", (name, re) => {
    const samples = SAMPLES[name as keyof typeof LOG_PATTERNS];
    for (const s of samples.hit) expect([s, re.test(s)]).toEqual([s, true]);
    for (const s of samples.miss) expect([s, re.test(s)]).toEqual([s, false]);
  });
});

describe("parseLogs stage and evidence", () => {
  const cases: [string, string, Expect][] = [
    ["empty string", "", { stage: "empty", lastBatch: null, fatal: null, setupStep: null }],
    ["whitespace only", "  \n\t\r\n\n", { stage: "empty", fatal: null }],
    ["undecisive noise", log("  Examples repo: x", "some pip chatter"), { stage: "wait", fatal: null }],
    [
      "healthy startup sample",
      HEALTHY,
      {
        stage: "running",
        fatal: null,
        hfAuthError: false,
        unsentBatches: null,
        setupStep: "Worker starting",
        lastBatch: { batch: 2, examples: 7168, gamesPerSec: 1.5, step: 142, totalGames: 512 },
      },
    ],
    ["boot: image still pulling", "Error response from daemon: No such container: abc123", { stage: "boot", fatal: null }],
    ["boot: bare Error: is not an exception", "Error: No such container: 87654321", { stage: "boot", fatal: null }],
    ["boot then setup", log("Error response from daemon: No such container: abc123", "=== Setup started at x ==="), { stage: "setup" }],
    // Onstart re-running after a crash: the newest line is what the container is doing now.
    ["fatal then setup", log(...NO_CUDA_TRACE, "=== Setup started at x ==="), { stage: "setup", fatal: null }],
    [
      "no_cuda from the GPU smoke test",
      log(...SETUP_PREFIX, ...NO_CUDA_TRACE),
      { stage: "fatal", setupStep: "deps installed", fatal: { kind: "no_cuda", line: "AssertionError: No CUDA" } },
    ],
    [
      "no_cuda from torch without a traceback header",
      log(batchLine(1), "RuntimeError: Found no NVIDIA driver on your system."),
      { stage: "fatal", fatal: { kind: "no_cuda", line: "RuntimeError: Found no NVIDIA driver on your system." } },
    ],
    [
      "oom traceback after batches",
      log(...WORKER_PREFIX, ...batches(1, 3), ...OOM_TRACE),
      {
        stage: "fatal",
        fatal: { kind: "oom", line: OOM_MESSAGE.slice(0, FATAL_LINE_MAX) },
        lastBatch: expect.objectContaining({ batch: 3 }),
      },
    ],
    [
      "bare CUDA out of memory line after batches",
      log(...batches(1, 2), "CUDA out of memory. Tried to allocate 20.00 MiB"),
      { stage: "fatal", fatal: { kind: "oom", line: "CUDA out of memory. Tried to allocate 20.00 MiB" } },
    ],
    [
      "bare Killed line from the OOM killer",
      log(...batches(1, 4), "Killed"),
      { stage: "fatal", fatal: { kind: "killed", line: "Killed" } },
    ],
    [
      "bash job report of a killed worker",
      log(...batches(1, 2), "/bin/bash: line 1:    57 Killed                  python -u -m forge.zeb.worker.run"),
      { stage: "fatal", fatal: expect.objectContaining({ kind: "killed" }) },
    ],
    [
      "size mismatch on one line",
      log(
        ...WORKER_PREFIX.slice(0, 2),
        "Traceback (most recent call last):",
        '  File "run.py", line 84, in run_worker',
        SIZE_MISMATCH_ONE_LINE,
      ),
      {
        stage: "fatal",
        setupStep: "Pulling initial weights",
        fatal: { kind: "size_mismatch", line: SIZE_MISMATCH_ONE_LINE.slice(0, FATAL_LINE_MAX) },
      },
    ],
    [
      "size mismatch on torch's indented continuation line",
      log(...WORKER_PREFIX.slice(0, 2), ...SIZE_MISMATCH_TRACE),
      {
        stage: "fatal",
        fatal: expect.objectContaining({ kind: "size_mismatch", line: expect.stringMatching(/^size mismatch for tok_emb/) }),
      },
    ],
    [
      "other traceback",
      log(batchLine(1), "Traceback (most recent call last):", '  File "x.py", line 3, in f', "KeyError: 'step'"),
      { stage: "fatal", fatal: { kind: "traceback", line: "KeyError: 'step'" } },
    ],
    [
      "exception without a traceback header",
      log(batchLine(1), "RuntimeError: CUDA error: an illegal memory access was encountered"),
      { stage: "fatal", fatal: { kind: "exception", line: "RuntimeError: CUDA error: an illegal memory access was encountered" } },
    ],
    [
      "Exception: as a word",
      log(batchLine(1), "Exception: boom"),
      { stage: "fatal", fatal: { kind: "exception", line: "Exception: boom" } },
    ],
    [
      "chained tracebacks: the last error names the block",
      log(
        batchLine(1),
        "Traceback (most recent call last):",
        '  File "a.py", line 1, in f',
        "KeyError: 'x'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        '  File "b.py", line 2, in g',
        "ValueError: bad value",
      ),
      { stage: "fatal", fatal: { kind: "traceback", line: "ValueError: bad value" } },
    ],
    [
      "frames mentioning fatal words are not separate events",
      log(
        "Traceback (most recent call last):",
        '  File "oom.py", line 1, in killed_room',
        "    raise Exception('killed')",
        "ValueError: x",
      ),
      { stage: "fatal", fatal: { kind: "traceback", line: "ValueError: x" } },
    ],
    // Newest evidence wins, both ways.
    [
      "traceback followed by batch lines is running",
      log(...OOM_TRACE, ...batches(5, 6)),
      { stage: "running", fatal: null, lastBatch: expect.objectContaining({ batch: 6 }) },
    ],
    [
      "batch line interleaved right after a traceback header",
      log("Traceback (most recent call last):", '  File "x.py", line 1, in f', batchLine(9)),
      { stage: "running", fatal: null, lastBatch: expect.objectContaining({ batch: 9 }) },
    ],
    [
      "batch lines followed by a traceback are fatal",
      log(...batches(1, 5), ...NO_CUDA_TRACE),
      { stage: "fatal", fatal: expect.objectContaining({ kind: "no_cuda" }) },
    ],
    [
      "batch lines followed by No CUDA",
      log(...batches(1, 5), "AssertionError: No CUDA"),
      { stage: "fatal", fatal: expect.objectContaining({ kind: "no_cuda" }) },
    ],
    // Whole-word negatives.
    [
      "room, zoom, bloom, exceptional, unkilled are ordinary words",
      log(
        batchLine(1),
        "no room left in the staging dir? zoom in on the bloom filter",
        "an exceptional batch, unkilled",
        batchLine(2),
        "Bloom filter rebuilt (room for 1M keys)",
      ),
      { stage: "running", fatal: null },
    ],
    ["ordinary words alone are not fatal", log("zoom", "room", "exceptional"), { stage: "wait", fatal: null }],
    // HF auth: evidence, not a verdict.
    [
      "HF 401 on upload while still generating",
      log(
        ...batches(1, 2),
        "[worker-vast-0] Uploading 2 batches to HF...",
        "[worker-vast-0] Upload failed (401 Client Error: Unauthorized for url: https://huggingface.co/api/datasets/jasonyandell/zeb-42-examples/preupload/main), will retry next cycle",
        batchLine(3),
      ),
      { stage: "running", fatal: null, hfAuthError: true, unsentBatches: null },
    ],
    [
      "HF 403 Forbidden",
      log(
        batchLine(1),
        "huggingface_hub.errors.HfHubHTTPError: 403 Forbidden: you don't have the rights to create a dataset",
        batchLine(2),
      ),
      { stage: "running", hfAuthError: true },
    ],
    [
      "HF Invalid credentials",
      log(batchLine(1), "Invalid credentials in Authorization header", batchLine(2)),
      { stage: "running", hfAuthError: true },
    ],
    [
      "HF 401 crashing the weight sync is fatal through its traceback",
      log(...batches(1, 2), ...HF_401_TRACE),
      { stage: "fatal", hfAuthError: true, fatal: expect.objectContaining({ kind: "traceback" }) },
    ],
    [
      "apt mirror 403 is not an HF auth error",
      log("=== Setup started at x ===", "Err:1 http://archive.ubuntu.com/ubuntu jammy InRelease 403  Forbidden [IP: 91.189.91.82 80]"),
      { stage: "setup", hfAuthError: false },
    ],
    [
      "HF transient retries are not fatal",
      log(
        batchLine(1),
        "[worker-vast-0] Uploading 3 batches to HF...",
        "  HF transient error (attempt 1/4): HfHubHTTPError: 500 Server Error: Internal Server Error for url: https://huggingface.co/api/x",
        "  Retrying in 5s...",
        "  HF transient error (attempt 2/4): httpx.ReadTimeout: The read operation timed out (Exception raised)",
        "  Retrying in 10s...",
      ),
      { stage: "running", fatal: null, unsentBatches: null, hfAuthError: false },
    ],
    [
      "upload failed with 412 is not fatal",
      log(
        batchLine(4),
        "[worker-vast-0] Upload failed (412 Client Error: Precondition Failed for url: https://huggingface.co/x), will retry next cycle",
      ),
      { stage: "running", fatal: null, unsentBatches: null, hfAuthError: false },
    ],
    // Games delivered: total_games at the batch before the newest completed upload.
    ["delivered: none before an upload", log(...batches(1, 3)), { uploadedGames: null }],
    [
      "delivered: the games before the newest completed upload",
      log(
        ...batches(1, 2),
        "[w] Uploading 2 batches to HF...",
        "[w] Upload complete (2 batches)",
        ...batches(3, 5),
        "[w] Uploading 3 batches to HF...",
        "[w] Upload complete (3 batches)",
        batchLine(6),
      ),
      { uploadedGames: 5 * 256, unsentBatches: 1 },
    ],
    [
      "delivered: a failed upload delivers nothing more",
      log(batchLine(2), "[w] Upload complete (2 batches)", batchLine(3), "[w] Upload failed (503 Server Error), will retry next cycle"),
      { uploadedGames: 2 * 256 },
    ],
    // Unsent batches: what a worker destroyed now would take with it.
    [
      "unsent: none right after an upload",
      log(batchLine(1), "[w] Uploading 1 batches to HF...", "[w] Upload complete (1 batches)"),
      { unsentBatches: 0 },
    ],
    [
      "unsent: weight sync after the upload adds none",
      log(batchLine(2), "[w] Upload complete (2 batches)", "[w] No new weights (still step 142)"),
      { unsentBatches: 0 },
    ],
    [
      "unsent: batches since the newest upload",
      log(batchLine(1), "[w] Upload complete (1 batches)", batchLine(2), batchLine(3)),
      { unsentBatches: 2 },
    ],
    [
      "unsent: only the newest upload counts",
      log(batchLine(1), "[w] Upload complete (1 batches)", batchLine(2), "[w] Upload complete (1 batches)", batchLine(3)),
      { unsentBatches: 1 },
    ],
    [
      "unsent: an upload under way is not done",
      log(batchLine(1), "[w] Upload complete (1 batches)", batchLine(2), "[w] Uploading 1 batches to HF..."),
      { unsentBatches: 1 },
    ],
    [
      "unsent: unknown after a failed upload",
      log(
        "[w] Upload complete (1 batches)",
        batchLine(2),
        "[w] Uploading 1 batches to HF...",
        "[w] Upload failed (x), will retry next cycle",
      ),
      { unsentBatches: null },
    ],
    ["unsent: unknown with no upload in the tail", log(batchLine(1), batchLine(2)), { unsentBatches: null }],
    ["weight sync lines prove the loop runs", log("[w] Weights updated: step 142 -> 150"), { stage: "running", lastBatch: null }],
    // Batch line forms.
    [
      "older batch form without total_games",
      "[worker-vast-0] batch 7: 7168 examples, 12 games/s, step=3",
      { stage: "running", lastBatch: { batch: 7, examples: 7168, gamesPerSec: 12, step: 3, totalGames: 0 } },
    ],
    [
      "extra spaces tolerated, numbers exact",
      "[worker-vast-11]  batch  123 :  7196 examples ,  13.75 games/s , step = 98765 , total_games = 31488",
      { lastBatch: { batch: 123, examples: 7196, gamesPerSec: 13.75, step: 98765, totalGames: 31488 } },
    ],
    [
      "CRLF line endings",
      HEALTHY.replace(/\n/g, "\r\n"),
      {
        stage: "running",
        setupStep: "Worker starting",
        lastBatch: { batch: 2, examples: 7168, gamesPerSec: 1.5, step: 142, totalGames: 512 },
      },
    ],
    [
      "bare CR (progress bars) splits lines",
      `Downloading 10%\rDownloading 100%\r${batchLine(3)}\rKilled`,
      { stage: "fatal", fatal: { kind: "killed", line: "Killed" } },
    ],
    // Launch-broken needs volume and no sign of the worker.
    [
      `launch_broken at ${LAUNCH_BROKEN_LINES} lines`,
      log("=== Setup started at x ===", ...launchErrors(LAUNCH_BROKEN_LINES)),
      { stage: "fatal", fatal: { kind: "launch_broken", line: "/bin/sh: 1: cd: can't cd to /root/code: No such file or directory" } },
    ],
    [
      `not launch_broken at ${LAUNCH_BROKEN_LINES - 1} lines`,
      log("=== Setup started at x ===", ...launchErrors(LAUNCH_BROKEN_LINES - 1)),
      { stage: "setup", fatal: null },
    ],
    [
      "not launch_broken once the worker started",
      log("=== Starting worker w at x ===", ...launchErrors(12)),
      { stage: "wait", fatal: null },
    ],
    ["not launch_broken with a batch line", log(batchLine(1), ...launchErrors(12)), { stage: "running", fatal: null }],
    [
      "a specific fatal beats launch_broken",
      log(...launchErrors(12), ...NO_CUDA_TRACE),
      { stage: "fatal", fatal: expect.objectContaining({ kind: "no_cuda" }) },
    ],
  ];

  it.each(cases)("%s", (_name, text, expected) => {
    expect(parseLogs(text)).toMatchObject(expected);
  });
});

describe("setup steps", () => {
  const steps: [string, string, "setup" | "wait"][] = [
    ["=== Setup started at Thu Feb  6 12:00:00 UTC 2026 ===", "Setup started", "setup"],
    ["git installed", "git installed", "setup"],
    ["Cloning into '/root/code'...", "cloning", "setup"],
    ["repo cloned", "repo cloned", "setup"],
    ["deps installed", "deps installed", "setup"],
    ["GPU OK: NVIDIA GeForce RTX 3070", "GPU OK", "setup"],
    ["=== Starting worker worker-vast-0 at Thu Feb  6 12:02:30 UTC 2026 ===", "Starting worker", "wait"],
    ["Pulling initial weights from jasonyandell/zeb-42...", "Pulling initial weights", "wait"],
    ["  Model loaded (step 142), 557,186 params", "Model loaded", "wait"],
    ["Creating self-play pipeline...", "Creating self-play pipeline", "wait"],
    ["Pipeline created in 8.3s", "Pipeline created", "wait"],
    ["Worker worker-vast-0 starting (output: jasonyandell/zeb-42-examples)", "Worker starting", "wait"],
  ];

  it.each(steps)("log ending at %j → setupStep %j, stage %s", (last, step, stage) => {
    const upTo = HEALTHY.split("\n");
    const i = upTo.indexOf(last);
    const text = i >= 0 ? log(...upTo.slice(0, i + 1)) : log(...SETUP_PREFIX.slice(0, 2), last);
    expect(parseLogs(text)).toMatchObject({ stage, setupStep: step, fatal: null, lastBatch: null });
  });
});

describe("50-line tails", () => {
  const fullLog = log(...SETUP_PREFIX, ...WORKER_PREFIX, ...batches(1, 40), ...OOM_TRACE);

  it.each<[string, string, Expect]>([
    [
      "cut after the traceback header: still being written",
      head50(log(...SETUP_PREFIX, ...WORKER_PREFIX, ...batches(1, 33), ...OOM_TRACE)),
      { stage: "fatal", fatal: { kind: "traceback", line: "Traceback (most recent call last):" } },
    ],
    [
      "cut before the traceback header: frames first",
      tail50(log(...batches(1, 60), ...OOM_TRACE.slice(0, 3), ...Array(48).fill("    frame()"), OOM_MESSAGE)),
      { stage: "fatal", fatal: expect.objectContaining({ kind: "oom" }), lastBatch: null },
    ],
    [
      "cut before the header of an old traceback the worker recovered from",
      tail50(log(...OOM_TRACE, ...batches(1, 48))),
      { stage: "running", fatal: null, lastBatch: expect.objectContaining({ batch: 48 }) },
    ],
    [
      "a full 50-line tail ending in OOM",
      tail50(fullLog),
      {
        stage: "fatal",
        fatal: expect.objectContaining({ kind: "oom" }),
        lastBatch: expect.objectContaining({ batch: 40, totalGames: 40 * 256 }),
      },
    ],
  ])("%s", (_name, text, expected) => {
    expect(text.split("\n").length).toBeLessThanOrEqual(50);
    expect(parseLogs(text)).toMatchObject(expected);
  });
});

describe("fatal line", () => {
  it("is trimmed and cut to FATAL_LINE_MAX", () => {
    const ev = parseLogs(log(batchLine(1), `   ${OOM_MESSAGE}   `));
    expect(ev.fatal?.line).toBe(OOM_MESSAGE.slice(0, FATAL_LINE_MAX));
    expect(ev.fatal?.line.length).toBe(FATAL_LINE_MAX);
  });
});

/** Tails that would make a backtracking pattern blow up (seconds per call): every pattern stays linear. */
const PATHOLOGICAL_TAIL = Array.from(
  { length: 50 },
  (_, i) =>
    [
      "a".repeat(20_000),
      `[${"a".repeat(20_000)}`,
      "A.".repeat(10_000),
      "Aaaa".repeat(5_000),
      `${" ".repeat(20_000)}x`,
      `batch 1: ${"1 ".repeat(10_000)}`,
      `401 Client Error ${"http://".repeat(3_000)}`,
      `403 Forbidden https://${"a.".repeat(10_000)}`,
      "Traceback (most recent call last):",
      ` ${"k".repeat(20_000)}`,
    ][i % 10],
).join("\n");

describe("pathological input", () => {
  it("20k-character lines are read like any other: the tail ends inside a traceback", () => {
    const ev = parseLogs(PATHOLOGICAL_TAIL);
    expect(ev.stage).toBe("fatal");
    expect(ev.fatal?.kind).toBe("traceback");
    expect(ev.lastBatch).toBeNull();
  });
});
