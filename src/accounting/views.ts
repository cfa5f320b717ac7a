/**
 * What `/status` and `/stats` say of the books, the credit and the learner: pure views of the
 * ledger, the last credit reading, the health checks and the alerts, at `now`.
 * @module
 */
import type { AlertsView } from "../alerts/run";
import { HOUR_MS, round } from "../format";
import type { HealthDoc } from "../health/hf";
import type { FleetState } from "../reconcile/state";
import type { Ledger } from "./ledger";

const DAY_HOURS = 24;

export interface Windows<T> {
  today: T;
  last24h: T;
  total: T;
}

export interface MoneyView {
  /** When the books started (ms). */
  since: number;
  /** Dollars, 4 decimals. */
  spent: Windows<number>;
  /** Games delivered (uploaded). */
  games: Windows<number>;
  /** Null where nothing was spent. */
  gamesPerDollar: Windows<number | null>;
}

export interface CreditView {
  /** The account's credit in dollars at its last reading, and when. */
  balance: number | null;
  at: number | null;
  /** The fleet's $/h at its last pass. */
  burnPerHour: number;
  /** Hours the credit lasts at that burn; null without a reading or a burn. */
  runwayHours: number | null;
  /** The credit_low alert fires below this many hours (ZEB_CREDIT_ALERT_HOURS). */
  alertBelowHours: number | null;
}

export interface LearnerView {
  /** The newest weights step any worker runs, and when it last rose. */
  step: number | null;
  stepMovedAt: number | null;
  /** The examples repository's newest commit, when the health check read it. */
  examplesCommitAt: number | null;
  examplesCommit: string | null;
  /** Why launches are held (the weights check, or Hugging Face refusing the token). */
  hold: string | null;
  /** Titles of the Hugging Face and learner alerts firing. */
  alerts: string[];
}

const HF_ALERTS = new Set(["weights_missing", "hf_auth", "learner_stalled", "examples_silent"]);

/** Sums of the hourly buckets: today (UTC) from midnight, the last 24 h with the oldest hour prorated, and since start. */
export function moneyView(ledger: Ledger, now: number): MoneyView {
  const hour = Math.floor(now / HOUR_MS);
  const midnight = Math.floor(hour / DAY_HOURS) * DAY_HOURS;
  // The hour 24 h back counts only for the part of it after now − 24 h.
  const edge = 1 - (now - hour * HOUR_MS) / HOUR_MS;
  const sum = (weight: (h: number) => number) =>
    ledger.hours.reduce((acc, [h, s, g]) => ({ spent: acc.spent + s * weight(h), games: acc.games + g * weight(h) }), {
      spent: 0,
      games: 0,
    });
  const today = sum((h) => (h >= midnight && h <= hour ? 1 : 0));
  const last24h = sum((h) => (h > hour - DAY_HOURS && h <= hour ? 1 : h === hour - DAY_HOURS ? edge : 0));
  const total = { spent: ledger.spent, games: ledger.games };
  const perDollar = (w: { spent: number; games: number }) => (w.spent > 0 ? Math.round(w.games / w.spent) : null);
  return {
    since: ledger.since ?? now,
    spent: { today: round(today.spent, 4), last24h: round(last24h.spent, 4), total: round(total.spent, 4) },
    games: { today: Math.round(today.games), last24h: Math.round(last24h.games), total: total.games },
    gamesPerDollar: { today: perDollar(today), last24h: perDollar(last24h), total: perDollar(total) },
  };
}

export function creditView(credit: AlertsView["credit"], burnPerHour: number, alertBelowHours: number | null): CreditView {
  return {
    balance: credit?.credit ?? null,
    at: credit?.at ?? null,
    burnPerHour: round(burnPerHour, 4),
    runwayHours: credit !== null && burnPerHour > 0 ? round(Math.max(0, credit.credit) / burnPerHour, 1) : null,
    alertBelowHours,
  };
}

export function learnerView(state: FleetState, health: HealthDoc | null, firing: AlertsView["firing"]): LearnerView {
  const tokenHold = state.hfAuthHold && `Hugging Face refused HF_TOKEN since ${new Date(state.hfAuthHold.since).toISOString()}`;
  return {
    step: state.learnerStep?.step ?? null,
    stepMovedAt: state.learnerStep?.movedAt ?? null,
    examplesCommitAt: health?.examples?.newestAt ?? null,
    examplesCommit: health?.examples?.commit ?? null,
    hold: state.launchHold ?? tokenHold ?? null,
    alerts: firing.filter((a) => HF_ALERTS.has(a.kind)).map((a) => a.title),
  };
}

/** The books in one line, for curl: `spent $X today · $Y 24h · $Z total; N games; G games/$`. */
export function moneyLine(m: MoneyView): string {
  const perDollar = m.gamesPerDollar.total === null ? "-" : String(m.gamesPerDollar.total);
  return `spent $${m.spent.today.toFixed(2)} today · $${m.spent.last24h.toFixed(2)} 24h · $${m.spent.total.toFixed(2)} total; ${m.games.total} games; ${perDollar} games/$`;
}
