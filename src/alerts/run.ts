/**
 * The alerts step, the I/O shell around the pure parts: it runs after a pass is recorded (and from
 * the watchdog alarm), feeds the machine, and sends what it says in one Slack message. Nothing
 * here may fail or hold up a pass: every remote call is bounded and every error is caught.
 * @module
 */

import { z } from "zod";
import type { FleetConfig } from "../config/fleet";
import { sha256Hex } from "../format";
import type { Env } from "../env";
import type { StateDamage } from "../fleet/status";
import type { FleetStore } from "../fleet/store";
import { CHECK_INTERVAL_MS, emptyHealth, HealthDoc, type HfDeps, hfDepsFor, runBootstrap, runProgressChecks } from "../health/hf";
import type { PassReport } from "../reconcile/report";
import type { FleetState } from "../reconcile/state";
import { redact } from "../redact";
import type { FetchLike } from "../vast/http";
import { clientFor, vastFetch } from "../vast/transport";
import { conditions, damageNotice, emptyTracking, nextStreak, replacementNotices, Tracking } from "./conditions";
import { accrue, Digest, startDigest, takeDigest } from "./digest";
import { advance, AlertBook, type AlertKind, type Condition, type Notice, Outgoing } from "./machine";
import { render, send } from "./slack";

/** No successful pass for this long means the reconciler stopped (5 cron ticks). */
export const WATCHDOG_MS = 5 * 60_000;
/** Alarms fire a little early or late; a pass this close to the deadline still counts. */
const WATCHDOG_TOLERANCE_MS = 15_000;
const MAX_QUEUE = 200;
const ANNOUNCED_KEPT = 200;
const CREDIT_CHECK_MS = CHECK_INTERVAL_MS;

const SlackError = z.object({ status: z.number().int(), error: z.string(), urlHash: z.string(), at: z.number() });

export const AlertsDoc = z.object({
  fleet: z.string(),
  book: AlertBook,
  /** Messages not yet delivered (Slack 429, 5xx, or a webhook in error), oldest first. */
  queue: z.array(Outgoing),
  /** Do not post before this (Slack's Retry-After). */
  retryAt: z.number().nullable(),
  /** A permanent webhook error, keyed by a hash of the URL so a new secret retries (the URL is a secret). */
  slackError: SlackError.nullable(),
  tracking: Tracking,
  digest: Digest.nullable(),
  lastOkPassAt: z.number().nullable(),
});
export type AlertsDoc = z.infer<typeof AlertsDoc>;

const emptyDoc = (fleet: string): AlertsDoc => ({
  fleet,
  book: {},
  queue: [],
  retryAt: null,
  slackError: null,
  tracking: emptyTracking(),
  digest: null,
  lastOkPassAt: null,
});

export interface AlertIo {
  store: FleetStore;
  env: Env;
  /** Slack and Hugging Face go through this; tests hand in a local stand-in. */
  fetch?: FetchLike;
}

const fetchOf = (io: AlertIo): FetchLike => io.fetch ?? vastFetch(io.env);

export function hfDeps(io: AlertIo): HfDeps {
  return hfDepsFor(io.env, fetchOf(io));
}

const loadHealth = (store: FleetStore) => store.get("health", HealthDoc) ?? emptyHealth();

/** Before a pass: the weights check, which may set or lift `state.launchHold`. */
export async function bootstrapStep(
  io: AlertIo,
  hold: FleetState["launchHold"],
  config: FleetConfig,
  now: number,
): Promise<FleetState["launchHold"]> {
  const health = loadHealth(io.store);
  const next = await runBootstrap(hfDeps(io), health, hold, config, now);
  io.store.put("health", health);
  return next;
}

/** Posts the queue as one message when Slack is configured, not in error, and not asking us to wait. */
async function flush(io: AlertIo, doc: AlertsDoc, now: number): Promise<void> {
  const url = io.env.SLACK_WEBHOOK_URL;
  if (!url) {
    doc.queue = [];
    return;
  }
  if (doc.queue.length === 0) return;
  const hash = await sha256Hex(url, 8);
  if (doc.slackError) {
    if (doc.slackError.urlHash === hash) return;
    doc.slackError = null;
  }
  if (doc.retryAt !== null && now < doc.retryAt) return;
  const result = await send(
    fetchOf(io),
    url,
    render(doc.fleet, doc.queue, (s) => redact(s, io.env)),
  );
  switch (result.kind) {
    case "sent":
      doc.queue = [];
      doc.retryAt = null;
      break;
    case "retry_after":
      doc.retryAt = now + result.seconds * 1000;
      break;
    case "permanent":
      doc.slackError = { status: result.status, error: redact(result.error, io.env), urlHash: hash, at: now };
      break;
    case "transient":
      break;
  }
}

function enqueue(doc: AlertsDoc, outgoing: Outgoing[]): void {
  doc.queue = [...doc.queue, ...outgoing].slice(-MAX_QUEUE);
}

async function readCredit(io: AlertIo, doc: AlertsDoc, report: PassReport): Promise<void> {
  const last = doc.tracking.credit;
  if (report.dph <= 0 || (last !== null && report.at - last.at < CREDIT_CHECK_MS)) return;
  try {
    const user = await clientFor(io.env, { retries: 1, timeoutMs: 5_000 }).currentUser();
    doc.tracking.credit = { credit: user.credit, at: report.at };
  } catch {
    // An unreadable balance leaves the last reading; the next pass asks again.
  }
}

export interface AlertsInput {
  fleet: string;
  report: PassReport;
  state: FleetState;
  config: FleetConfig;
  /** Set by the first pass after the stored state was found damaged (fleet/object.ts). */
  stateDamage?: StateDamage | null;
}

/** After a recorded pass: HF progress, credit, conditions, notices, digest, then at most one Slack post. */
export async function alertsStep(io: AlertIo, input: AlertsInput): Promise<void> {
  const { fleet, report, state, config } = input;
  const now = report.at;
  const doc = io.store.get("alerts", AlertsDoc) ?? emptyDoc(fleet);
  doc.fleet = fleet;
  const health = loadHealth(io.store);
  if (report.observed) {
    doc.lastOkPassAt = now;
    await readCredit(io, doc, report);
    try {
      await runProgressChecks(hfDeps(io), health, report.workers, config, now);
    } catch {
      // Checks answer `unknown` themselves; this only guards against the unforeseen.
    }
  }
  doc.tracking.launchFailStreak = nextStreak(doc.tracking.launchFailStreak, report);
  const notices: Notice[] = replacementNotices(report, doc.tracking.announced);
  if (input.stateDamage) notices.push(damageNotice(input.stateDamage));
  doc.tracking.announced = [...doc.tracking.announced, ...notices.flatMap((n) => (n.instance === null ? [] : [n.instance]))].slice(
    -ANNOUNCED_KEPT,
  );
  if (report.observed) {
    const digest = accrue(doc.digest ?? startDigest(report, config), report, notices.length);
    const taken = takeDigest(digest, report, config);
    doc.digest = taken.digest;
    if (taken.notice) notices.push(taken.notice);
  }
  const alerted = new Set(
    Object.values(doc.book).flatMap((a) => (a.kind === "worker_unhealthy" && a.instance !== null ? [a.instance] : [])),
  );
  const judged = conditions({ fleet, report, state, config, health, tracking: doc.tracking, alerted });
  const stepped = advance(doc.book, { fleet, now, conditions: judged.conditions, judged: judged.judged, notices });
  doc.book = stepped.book;
  enqueue(doc, stepped.outgoing);
  io.store.put("health", health);
  io.store.put("alerts", doc);
  try {
    await flush(io, doc, now);
  } finally {
    io.store.put("alerts", doc);
  }
}

/**
 * The watchdog alarm: fires when no pass succeeded for WATCHDOG_MS. Answers whether to stay armed
 * (false once the fleet is forgotten: its documents are gone).
 */
export async function watchdogStep(io: AlertIo, now: number, lastErrors: readonly string[]): Promise<boolean> {
  const doc = io.store.get("alerts", AlertsDoc);
  if (!doc) return false;
  if (doc.lastOkPassAt !== null && now - doc.lastOkPassAt < WATCHDOG_MS - WATCHDOG_TOLERANCE_MS) return true;
  const minutes = doc.lastOkPassAt === null ? null : Math.round((now - doc.lastOkPassAt) / 60_000);
  const stopped: Condition = {
    kind: "reconciler_stopped",
    instance: null,
    title: `Reconciler stopped: no pass for ${minutes === null ? "5+" : minutes} minutes`,
    detail: [
      doc.lastOkPassAt === null ? "No successful pass yet." : `Last successful pass ${new Date(doc.lastOkPassAt).toISOString()}.`,
      lastErrors.length > 0 ? `Last pass said: ${lastErrors.slice(0, 3).join("; ")}` : "",
      "Workers keep running and billing, but nothing replaces the dead ones.",
    ]
      .filter(Boolean)
      .join(" "),
    todo: "Check `wrangler tail` and the cron trigger (wrangler.toml `crons`), the Vast API key (`wrangler secret put VAST_API_KEY`) and GET /status for config errors.",
  };
  const judged = new Set<AlertKind>(["reconciler_stopped"]);
  const stepped = advance(doc.book, { fleet: doc.fleet, now, conditions: [stopped], judged, notices: [] });
  doc.book = stepped.book;
  enqueue(doc, stepped.outgoing);
  io.store.put("alerts", doc);
  try {
    await flush(io, doc, now);
  } finally {
    io.store.put("alerts", doc);
  }
  return true;
}

export interface AlertsView {
  firing: { kind: string; instance: number | null; title: string; since: number }[];
  queued: number;
  retryAt: number | null;
  slackError: string | null;
  lastOkPassAt: number | null;
  /** The account's credit in dollars as this fleet last read it (every 10 minutes while it spends), and when. */
  credit: { credit: number; at: number } | null;
}

export function alertsView(store: FleetStore): AlertsView {
  const doc = store.get("alerts", AlertsDoc);
  if (!doc) return { firing: [], queued: 0, retryAt: null, slackError: null, lastOkPassAt: null, credit: null };
  const e = doc.slackError;
  return {
    firing: Object.values(doc.book).map((a) => ({ kind: a.kind, instance: a.instance, title: a.title, since: a.firstAt })),
    queued: doc.queue.length,
    retryAt: doc.retryAt,
    slackError:
      e &&
      `Slack webhook refused messages: ${e.error} (HTTP ${e.status}) since ${new Date(e.at).toISOString()}; not retried until the webhook changes: wrangler secret put SLACK_WEBHOOK_URL`,
    lastOkPassAt: doc.lastOkPassAt,
    credit: doc.tracking.credit,
  };
}
