/**
 * The alert state machine: pure, `now` passed in. Each pass says which conditions fire; the
 * machine remembers what it already told the user (by fingerprint) and answers only with what is
 * new: a condition that starts firing, one that stopped, a reminder after REMINDER_MS of firing,
 * and one-shot notices (replacements, the digest) that have no resolved state.
 * @module
 */

import { z } from "zod";

export const REMINDER_MS = 6 * 3600_000;

export const ALERT_KINDS = [
  "worker_unhealthy",
  "breaker_open",
  "no_offers",
  "launch_failures",
  "credit_low",
  "lacks_credit",
  "weights_missing",
  "hf_auth",
  "learner_stalled",
  "examples_silent",
  "reconciler_stopped",
  "logs_unreadable",
] as const;
export const AlertKind = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKind>;

export const NOTICE_KINDS = ["replaced", "digest", "state_damaged"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** A condition that fires now. `todo` says what the user should do about it. */
export interface Condition {
  kind: AlertKind;
  /** Instance id, or null for fleet-wide conditions. */
  instance: number | null;
  title: string;
  detail: string;
  todo: string;
}

export interface Notice {
  kind: NoticeKind;
  instance: number | null;
  title: string;
  detail: string;
  todo: string;
}

export const Outgoing = z.object({
  type: z.enum(["firing", "resolved", "reminder", "notice"]),
  kind: z.string(),
  instance: z.number().int().nullable(),
  title: z.string(),
  detail: z.string(),
  todo: z.string(),
  at: z.number(),
});
export type Outgoing = z.infer<typeof Outgoing>;

export const ActiveAlert = z.object({
  kind: AlertKind,
  instance: z.number().int().nullable(),
  title: z.string(),
  detail: z.string(),
  todo: z.string(),
  firstAt: z.number(),
  lastSentAt: z.number(),
});
export type ActiveAlert = z.infer<typeof ActiveAlert>;

/** Firing alerts by fingerprint. */
export const AlertBook = z.record(z.string(), ActiveAlert);
export type AlertBook = z.infer<typeof AlertBook>;

export function fingerprint(kind: string, fleet: string, instance: number | null): string {
  return `${kind}:${fleet}:${instance ?? "-"}`;
}

export interface MachineInput {
  fleet: string;
  now: number;
  conditions: Condition[];
  /**
   * The kinds this evaluation could judge. A kind left out (an HF check that could not see, the
   * watchdog outside its alarm) keeps its alerts as they are: cannot see is not resolved.
   */
  judged: ReadonlySet<AlertKind>;
  notices: Notice[];
}

export function advance(book: AlertBook, input: MachineInput): { book: AlertBook; outgoing: Outgoing[] } {
  const { fleet, now } = input;
  const next: AlertBook = {};
  const outgoing: Outgoing[] = [];
  const firing = new Map<string, Condition>();
  for (const c of input.conditions) if (input.judged.has(c.kind)) firing.set(fingerprint(c.kind, fleet, c.instance), c);

  for (const [fp, alert] of Object.entries(book)) {
    if (!input.judged.has(alert.kind)) next[fp] = alert;
    else if (!firing.has(fp))
      outgoing.push({ type: "resolved", kind: alert.kind, instance: alert.instance, title: alert.title, detail: "", todo: "", at: now });
  }
  for (const [fp, c] of firing) {
    const known = book[fp];
    if (!known) {
      next[fp] = { ...c, firstAt: now, lastSentAt: now };
      outgoing.push({ type: "firing", ...c, at: now });
    } else if (now - known.lastSentAt >= REMINDER_MS) {
      next[fp] = { ...known, ...c, lastSentAt: now };
      outgoing.push({ type: "reminder", ...c, at: now });
    } else {
      next[fp] = { ...known, ...c };
    }
  }
  for (const n of input.notices) outgoing.push({ type: "notice", ...n, at: now });
  return { book: next, outgoing };
}
