import { describe, expect, it } from "vitest";
import { classify, needsLogs } from "../../src/reconcile/classify";
import { parseLogs, type LogEvidence, type LogStage } from "../../src/reconcile/logs";
import type { InstanceMemory, Phase } from "../../src/reconcile/state";
import { batch, evidence, instance, memory, MIN, NOW, S } from "./fixtures";

const STALL = 600;
const run = (logs: LogEvidence | null | undefined, previous?: InstanceMemory, now = NOW, over: Parameters<typeof instance>[0] = {}) =>
  classify(instance(over), logs, previous, now, STALL);

const batchText = (n: number): string => `[worker-vast-0] batch ${n}: 7168 examples, 4.2 games/s, step=142, total_games=${256 * n}`;

describe("classify: Vast status", () => {
  it.each<[string, string | null, string | null, string | null, Phase]>([
    ["exited", "exited", "stopped", null, "DEAD"],
    ["offline", "offline", "running", null, "DEAD"],
    ["unknown", "unknown", "running", null, "DEAD"],
    ["stopped", "stopped", "stopped", null, "DEAD"],
    ["destroyed", "destroyed", "running", null, "DEAD"],
    ["created + intended stopped (boot abandoned)", "created", "stopped", "Error: host out of space", "DEAD"],
    ["created + intended running", "created", "running", null, "BOOT"],
    ["loading", "loading", "running", null, "BOOT"],
    ["scheduling", "scheduling", "running", null, "BOOT"],
    ["null (provisioning)", null, "running", null, "BOOT"],
    ["loading with an error status_msg", "loading", "running", "Error response from daemon: OCI runtime create failed", "FATAL"],
    ["loading with `No such container` (still pulling)", "loading", "running", "Error: No such container: C.1234", "BOOT"],
    ["loading with a harmless status_msg", "loading", "running", "Pulling image pytorch/pytorch", "BOOT"],
  ])("%s → %s", (_name, actual, intended, msg, phase) => {
    const c = run(undefined, undefined, NOW, { actual_status: actual, intended_status: intended, status_msg: msg });
    expect(c.phase).toBe(phase);
    expect(c.memory.phase).toBe(phase);
  });

  it("an error status_msg is FATAL with fatalKind status_msg; a container not yet up needs no logs", () => {
    const fatal = run(undefined, undefined, NOW, { actual_status: "loading", status_msg: "failed to pull image" });
    expect(fatal.fatalKind).toBe("status_msg");
    expect(fatal.detail).toContain("failed to pull image");
    expect(needsLogs(instance({ actual_status: "loading" }))).toBe(false);
    expect(needsLogs(instance({ actual_status: "running" }))).toBe(true);
  });

  it("a worker that was RUNNING and whose instance exits is DEAD at once (no forgiveness)", () => {
    expect(run(null, memory(), NOW, { actual_status: "exited" }).phase).toBe("DEAD");
  });
});

describe("classify: log stages (running container)", () => {
  it.each<[LogStage, Partial<LogEvidence>, Phase]>([
    ["fatal", { fatal: { kind: "oom", line: "torch.OutOfMemoryError: CUDA out of memory" } }, "FATAL"],
    ["boot", {}, "BOOT"],
    ["empty", {}, "SETUP"],
    ["setup", { setupStep: "repo cloned" }, "SETUP"],
    ["wait", { setupStep: "Model loaded" }, "WAIT"],
    ["running", { lastBatch: batch(1) }, "RUNNING"],
  ])("stage %s → %s", (stage, extra, phase) => {
    expect(run(evidence({ stage, ...extra })).phase).toBe(phase);
  });

  it.each<[string, string, Phase, string | null]>([
    [
      "runbook healthy startup",
      ["=== Setup started ===", "git installed", "repo cloned", batchText(1), batchText(2)].join("\n"),
      "RUNNING",
      null,
    ],
    ["`No such container` → BOOT", "Error response from daemon: No such container: 8f2a", "BOOT", null],
    ["stops after repo cloned → SETUP", "=== Setup started ===\ngit installed\nrepo cloned", "SETUP", null],
    ["worker started, no batch yet → WAIT", "Pulling initial weights from jasonyandell/zeb-42...\n  Model loaded (step 142)", "WAIT", null],
    ["No CUDA → FATAL no_cuda", "=== Setup started ===\nAssertionError: No CUDA", "FATAL", "no_cuda"],
    [
      "newest evidence wins: a recovered traceback followed by batches → RUNNING",
      ["Traceback (most recent call last):", '  File "x.py"', "RuntimeError: boom", batchText(7), batchText(8)].join("\n"),
      "RUNNING",
      null,
    ],
    [
      "newest evidence wins: batches followed by a traceback → FATAL",
      [batchText(7), "Traceback (most recent call last):", '  File "x.py"', "RuntimeError: boom"].join("\n"),
      "FATAL",
      "traceback",
    ],
    ["`room` is not OOM", [batchText(3), "plenty of room left on disk"].join("\n"), "RUNNING", null],
  ])("%s", (_name, text, phase, fatalKind) => {
    const c = run(parseLogs(text));
    expect(c.phase).toBe(phase);
    expect(c.fatalKind).toBe(fatalKind);
  });

  it("records progress from the batch line", () => {
    const c = run(evidence({ stage: "running", lastBatch: batch(9, 4.7) }), undefined);
    expect(c.memory).toMatchObject({ lastBatch: 9, batchAdvancedAt: NOW, everRan: true, gamesPerSec: 4.7, totalGames: 256 * 9 });
  });

  it("upload lines without a batch line: RUNNING if it ever ran, WAIT if not", () => {
    const up = evidence({ stage: "running", lastBatch: null, unsentBatches: 0 });
    expect(run(up, memory()).phase).toBe("RUNNING");
    expect(run(up, undefined).phase).toBe("WAIT");
  });

  it.each<[string, LogEvidence | null, boolean]>([
    ["auth error in a running tail", evidence({ stage: "running", lastBatch: batch(2), hfAuthError: true }), true],
    ["auth error during wait", evidence({ stage: "wait", hfAuthError: true }), true],
    ["no auth error", evidence({ stage: "running", lastBatch: batch(2) }), false],
    ["logs unreadable", null, false],
  ])("HF auth flag passes through: %s", (_name, logs, flag) => {
    expect(run(logs).hfAuthError).toBe(flag);
  });

  it.each<[string, LogEvidence | null, InstanceMemory | undefined, number | null]>([
    ["first sight of the error starts the clock", evidence({ stage: "running", lastBatch: batch(2), hfAuthError: true }), memory(), NOW],
    [
      "still showing it keeps the clock",
      evidence({ stage: "running", lastBatch: batch(3), hfAuthError: true }),
      memory({ hfAuthSince: NOW - 5 * MIN }),
      NOW - 5 * MIN,
    ],
    ["an unreadable poll keeps the clock", null, memory({ hfAuthSince: NOW - 5 * MIN }), NOW - 5 * MIN],
    [
      "a tail without it stops the clock",
      evidence({ stage: "running", lastBatch: batch(3) }),
      memory({ hfAuthSince: NOW - 5 * MIN }),
      null,
    ],
  ])("HF refusal clock: %s", (_name, logs, previous, since) => {
    expect(run(logs, previous).memory.hfAuthSince).toBe(since);
  });

  it("HF 401 in real log text is flagged while the worker keeps running", () => {
    const c = run(
      parseLogs(
        [batchText(4), "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/repos"].join(
          "\n",
        ),
      ),
    );
    expect(c.hfAuthError).toBe(true);
  });
});

describe("classify: stall detection (memory carried between calls)", () => {
  // Batch 5 was first seen at t0; the same batch keeps being read afterwards.
  const t0 = NOW;
  const first = run(evidence({ stage: "running", lastBatch: batch(5) }), undefined, t0);

  it("first sighting starts the stall clock", () => {
    expect(first.phase).toBe("RUNNING");
    expect(first.memory.batchAdvancedAt).toBe(t0);
  });

  it.each<[number, Phase]>([
    [STALL - 1, "RUNNING"],
    [STALL, "RUNNING"],
    [STALL + 1, "STALLED"],
  ])("batch unchanged for %ss → %s (strictly more than stallTimeoutS)", (after, phase) => {
    const c = run(evidence({ stage: "running", lastBatch: batch(5) }), first.memory, t0 + after * S);
    expect(c.phase).toBe(phase);
    expect(c.memory.batchAdvancedAt).toBe(t0);
  });

  it("an advancing batch resets the clock, so a slow but live worker never stalls", () => {
    let mem = first.memory;
    for (let k = 1; k <= 5; k++) {
      const c = run(evidence({ stage: "running", lastBatch: batch(5 + k) }), mem, t0 + k * (STALL - 10) * S);
      expect(c.phase).toBe("RUNNING");
      mem = c.memory;
    }
    expect(mem.batchAdvancedAt).toBe(t0 + 5 * (STALL - 10) * S);
  });

  it("a stalled worker whose batch advances again is RUNNING", () => {
    const stalled = run(evidence({ stage: "running", lastBatch: batch(5) }), first.memory, t0 + (STALL + 60) * S);
    expect(stalled.phase).toBe("STALLED");
    const again = run(evidence({ stage: "running", lastBatch: batch(6) }), stalled.memory, t0 + (STALL + 120) * S);
    expect(again.phase).toBe("RUNNING");
  });

  it("a tail of upload lines keeps the stall clock: a frozen uploader is STALLED once the batch is old", () => {
    const up = evidence({ stage: "running", lastBatch: null, unsentBatches: 0 });
    expect(run(up, first.memory, t0 + STALL * S).phase).toBe("RUNNING");
    expect(run(up, first.memory, t0 + (STALL + 1) * S).phase).toBe("STALLED");
  });
});

describe("classify: forgiveness of one doubtful poll", () => {
  const running = run(evidence({ stage: "running", lastBatch: batch(5) }), undefined, NOW).memory;

  it.each<[string, LogEvidence]>([
    ["logs that read empty", evidence({ stage: "empty" })],
    ["logs that read WAIT", evidence({ stage: "wait" })],
    ["logs that read SETUP", evidence({ stage: "setup" })],
  ])("%s: the first poll keeps RUNNING, the second demotes", (_name, logs) => {
    const one = run(logs, running, NOW + MIN);
    expect(one.phase).toBe("RUNNING");
    expect(one.memory.doubtfulPolls).toBe(1);
    expect(one.memory.lastBatch).toBe(5);
    const two = run(logs, one.memory, NOW + 2 * MIN);
    expect(two.phase).not.toBe("RUNNING");
  });

  it("fatal logs are not forgiven (the grace period is the planner's)", () => {
    expect(run(evidence({ stage: "fatal", fatal: { kind: "killed", line: "Killed" } }), running, NOW + MIN).phase).toBe("FATAL");
  });

  it.each<[Phase | undefined, Phase]>([
    [undefined, "SETUP"],
    ["SETUP", "SETUP"],
    ["WAIT", "WAIT"],
    // The container runs (Vast says so): past BOOT, so the boot timer cannot destroy it for our blindness.
    ["BOOT", "SETUP"],
  ])("unreadable logs of a running container never seen producing (previous %s) → %s", (prev, phase) => {
    const previous = prev === undefined ? undefined : memory({ phase: prev, lastBatch: null, batchAdvancedAt: null, everRan: false });
    expect(run(null, previous).phase).toBe(phase);
  });
});

describe("classify: cannot see is not unhealthy (unreadable logs)", () => {
  const running = run(evidence({ stage: "running", lastBatch: batch(5) }), undefined, NOW).memory;

  it("'No such container' from a worker that ran, while Vast lists it running, is blindness: RUNNING kept, clocks stopped", () => {
    const c = run(evidence({ stage: "boot" }), running, NOW + MIN);
    expect(c.phase).toBe("RUNNING");
    expect(c.memory.blindSince).toBe(NOW + MIN);
    expect(run(evidence({ stage: "boot" }), c.memory, NOW + 2 * MIN).phase).toBe("RUNNING");
  });

  it("a running worker stays RUNNING with its last reading however long its logs cannot be read", () => {
    let memory = running;
    for (let m = 1; m <= 60; m++) {
      const c = run(null, memory, NOW + m * MIN);
      expect(c.phase).toBe("RUNNING");
      expect(c.memory.lastBatch).toBe(5);
      expect(c.memory.blindSince).toBe(NOW + MIN);
      memory = c.memory;
    }
  });

  it("the blind spell stops the stall clock: logs readable again after 30 minutes, the batch unchanged, is not a stall", () => {
    const blind = run(null, running, NOW + MIN);
    const back = run(evidence({ stage: "running", lastBatch: batch(5) }), blind.memory, NOW + 31 * MIN);
    expect(back.phase).toBe("RUNNING");
    expect(back.memory.blindSince).toBeNull();
    // The batch's clock moved on by the 30 blind minutes: the stall timeout counts only what was seen.
    expect(back.memory.batchAdvancedAt).toBe(running.batchAdvancedAt! + 30 * MIN);
  });

  it("a blind spell in a phase that goes on is kept as blindMs, and forgotten when the phase changes", () => {
    const wait = run(evidence({ stage: "wait" }), undefined, NOW).memory;
    const blind = run(null, wait, NOW + MIN);
    expect(blind.phase).toBe("WAIT");
    const back = run(evidence({ stage: "wait" }), blind.memory, NOW + 21 * MIN);
    expect(back.memory.blindMs).toBe(20 * MIN);
    const moved = run(evidence({ stage: "running", lastBatch: batch(1) }), back.memory, NOW + 22 * MIN);
    expect(moved.memory.blindMs).toBe(0);
  });
});

describe("classify: games delivered", () => {
  it.each<[string, LogEvidence | null, number | null]>([
    ["a tail with a completed upload says how many", evidence({ stage: "running", lastBatch: batch(9), uploadedGames: 2048 }), 2048],
    ["a tail without one keeps the last count", evidence({ stage: "running", lastBatch: batch(9), uploadedGames: null }), 1024],
    ["unreadable logs keep it", null, 1024],
    ["a fatal tail still counts its upload", evidence({ stage: "fatal", fatal: { kind: "oom", line: "OOM" }, uploadedGames: 1536 }), 1536],
  ])("%s", (_name, logs, uploaded) => {
    expect(run(logs, memory({ uploadedGames: 1024 })).memory.uploadedGames).toBe(uploaded);
  });
});
