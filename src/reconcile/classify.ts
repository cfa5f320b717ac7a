/**
 * Which phase a worker is in, from what Vast says about it, what its logs say, and what we
 * remembered from the previous pass. Pure: the same inputs always give the same phase.
 * @module
 */

import type { Instance } from "../vast/schemas";
import type { LogEvidence } from "./logs";
import type { InstanceMemory, Phase } from "./state";

/** Statuses from which Vast never brings a container back to running (vast-api.md §3). */
const DEAD_STATUSES = new Set(["exited", "offline", "unknown", "stopped", "destroyed", "terminated", "frozen"]);

/** vast-cli's own test for an error status_msg. */
const STATUS_MSG_ERROR = /\b(error|failed|failure|exception|traceback|oci runtime|permission denied)\b/i;

/**
 * Logs are worth reading once a container runs; before that Vast answers "No such container". An
 * exited container's logs say why it died (`No CUDA`, out of memory), which decides whether its
 * host is blocked or its GPU model needs more memory.
 */
export function needsLogs(instance: Instance): boolean {
  return instance.actual_status === "running" || instance.actual_status === "exited";
}

export interface Classification {
  phase: Phase;
  /** Why, in a few words a human can act on. */
  detail: string;
  memory: InstanceMemory;
  hfAuthError: boolean;
  fatalKind: string | null;
  /** From this poll's logs (see LogEvidence); null when they were not read. */
  unsentBatches: number | null;
}

/** `logs`: parsed evidence; null when the logs could not be read; undefined when logs were not fetched. */
export function classify(
  instance: Instance,
  logs: LogEvidence | null | undefined,
  previous: InstanceMemory | undefined,
  now: number,
  stallTimeoutS: number,
): Classification {
  const remembered: InstanceMemory = previous ?? {
    phase: "BOOT",
    lastBatch: null,
    batchAdvancedAt: null,
    everRan: false,
    doubtfulPolls: 0,
    gamesPerSec: null,
    step: null,
    totalGames: null,
    uploadedGames: null,
    hfAuthSince: null,
    blindSince: null,
    blindMs: 0,
    resumedAt: null,
    outbidSince: null,
  };
  // The fleet never stops its own instances: a bid Vast means to stop (even before it ever ran) is paused.
  const paused = instance.is_bid && (instance.actual_status === "stopped" || instance.intended_status === "stopped");
  // Resumed after an outbid: the container starts again from its onstart, so its progress markers start over.
  const base: InstanceMemory =
    remembered.phase === "OUTBID" && !paused
      ? {
          ...remembered,
          phase: "BOOT",
          lastBatch: null,
          batchAdvancedAt: null,
          doubtfulPolls: 0,
          blindSince: null,
          blindMs: 0,
          resumedAt: now,
        }
      : remembered;
  // An unreadable poll neither starts nor ends the HF refusal clock.
  const hfAuthSince = logs === null ? base.hfAuthSince : logs?.hfAuthError ? (base.hfAuthSince ?? now) : null;
  // Logs that say nothing reliable: unreadable, or "No such container" from a container that ran
  // and that Vast still lists as running (one that died would no longer be listed running).
  const blindPoll = logs === null || (logs?.stage === "boot" && base.everRan);
  // A blind spell that ends now stops the phase clock for its length (blindMs) when the phase goes on.
  const spell = base.blindSince !== null && !blindPoll ? now - base.blindSince : 0;
  const result = (phase: Phase, detail: string, extra: Partial<InstanceMemory> = {}, fatalKind: string | null = null): Classification => ({
    phase,
    detail,
    memory: {
      ...base,
      doubtfulPolls: 0,
      hfAuthSince,
      uploadedGames: logs?.uploadedGames ?? base.uploadedGames,
      blindSince: null,
      blindMs: phase === base.phase ? base.blindMs + spell : 0,
      ...extra,
      // A new outbid spell starts its own wait (first-seen times are per phase, written once).
      outbidSince: phase === "OUTBID" && base.phase !== "OUTBID" ? now : base.outbidSince,
      phase,
    },
    hfAuthError: logs?.hfAuthError ?? false,
    fatalKind,
    unsentBatches: logs?.unsentBatches ?? null,
  });

  const status = instance.actual_status;
  const msg = instance.status_msg ?? "";
  // Vast pauses a bid that is no longer the highest (or that an on-demand renter outranks): its
  // container is stopped, its storage kept and billed, until the bid wins again. The fleet never
  // stops its own instances, so a stopped bid is read as outbid, not dead (docs/vast-interruptible.md).
  if (paused) return result("OUTBID", `outbid: paused by Vast${msg ? ` (${msg.slice(0, 120)})` : ""}`);
  if (status === "created" && instance.intended_status === "stopped") {
    return result("DEAD", `boot abandoned by Vast${msg ? `: ${msg.slice(0, 160)}` : ""}`);
  }
  if (status !== null && DEAD_STATUSES.has(status)) {
    const why = logs?.stage === "fatal" ? logs.fatal : null;
    return result("DEAD", `Vast status ${status}${why ? `: ${why.line}` : ""}`, {}, why?.kind ?? null);
  }
  if (status !== "running") {
    if (STATUS_MSG_ERROR.test(msg) && !/no such container/i.test(msg))
      return result("FATAL", `Vast: ${msg.slice(0, 160)}`, {}, "status_msg");
    return result("BOOT", status === null ? "provisioning" : `Vast status ${status}`);
  }

  // Cannot see is not unhealthy: while its logs cannot be read, a worker keeps its last reading and
  // its clocks stand still (blindSince), so no timeout fires and no host is blamed for our
  // blindness. Vast says the container runs, so it is past BOOT even then.
  if (logs == null || blindPoll) {
    const keep = base.phase === "BOOT" ? "SETUP" : base.phase;
    const blindSince = base.blindSince ?? now;
    return {
      ...result(keep, `logs unreadable for ${Math.round((now - blindSince) / 60_000)} min; keeping the last reading`),
      memory: { ...base, phase: keep, blindSince, blindMs: keep === base.phase ? base.blindMs : 0 },
    };
  }
  // A poll that contradicts a worker we saw running is forgiven once: log uploads lag (dstack
  // #2041, the predecessor's two-poll rule).
  const regressed =
    base.phase === "RUNNING" && (logs.stage === "boot" || logs.stage === "wait" || logs.stage === "setup" || logs.stage === "empty");
  if (regressed && base.doubtfulPolls < 1) {
    const kept = result("RUNNING", "logs contradict the last reading this poll; keeping it");
    return { ...kept, memory: { ...kept.memory, doubtfulPolls: base.doubtfulPolls + 1 } };
  }

  switch (logs.stage) {
    case "fatal":
      return result("FATAL", logs.fatal ? logs.fatal.line : "fatal error in logs", {}, logs.fatal?.kind ?? "traceback");
    case "boot":
      return result("BOOT", "container not up yet (No such container)");
    case "empty":
      return result("SETUP", "no output yet");
    case "setup":
      return result("SETUP", logs.setupStep ? `setup: ${logs.setupStep}` : "setting up");
    case "wait":
      return result("WAIT", logs.setupStep ? `worker started: ${logs.setupStep}` : "worker started, no batch yet");
    case "running": {
      // Upload and weight-sync lines come only from the worker's main loop, so a tail of them
      // without a batch line still means running: keep the last batch and its stall clock.
      const remembered =
        base.lastBatch === null
          ? null
          : { batch: base.lastBatch, gamesPerSec: base.gamesPerSec ?? 0, step: base.step ?? 0, totalGames: base.totalGames ?? 0 };
      const b = logs.lastBatch ?? remembered;
      if (!b) return result("WAIT", "worker started, no batch yet");
      const advanced = base.lastBatch !== b.batch;
      const batchAdvancedAt = advanced || base.batchAdvancedAt === null ? now : Math.min(now, base.batchAdvancedAt + spell);
      const progress = {
        lastBatch: b.batch,
        batchAdvancedAt,
        everRan: true,
        gamesPerSec: b.gamesPerSec,
        step: b.step,
        totalGames: b.totalGames,
      };
      const stuckFor = (now - batchAdvancedAt) / 1000;
      if (stuckFor > stallTimeoutS) return result("STALLED", `batch ${b.batch} unchanged for ${Math.round(stuckFor)}s`, progress);
      return result("RUNNING", `batch ${b.batch}, ${b.gamesPerSec} games/s, step ${b.step}`, progress);
    }
  }
}
