/**
 * How the page writes figures: one money format everywhere ($6.08/day, $0.232/h, $12.40), counts,
 * and times (relative on the page, absolute on hover).
 * @module
 */
import { formatDuration } from "../../format";

const DASH = "—";

export function num(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined ? DASH : x.toFixed(digits);
}

/** Dollars: cents from $1 up, a tenth of a cent below (hourly prices are fractions of a dollar). */
export function usd(x: number | null | undefined): string {
  if (x === null || x === undefined) return DASH;
  return `${x < 0 ? "-" : ""}$${Math.abs(x).toFixed(Math.abs(x) < 1 && x !== 0 ? 3 : 2)}`;
}

export function perHour(x: number | null | undefined): string {
  return x === null || x === undefined ? DASH : `${usd(x)}/h`;
}

export function perDay(x: number | null | undefined): string {
  return x === null || x === undefined ? DASH : `$${x.toFixed(2)}/day`;
}

export function int(x: number | null | undefined): string {
  return x === null || x === undefined ? DASH : Math.round(x).toLocaleString("en-US");
}

/** A duration in seconds as the API's text writes it (1h05m, 4m07s); days past two days. */
export function dur(s: number | null | undefined): string {
  if (s === null || s === undefined) return DASH;
  return s >= 172_800 ? `${Math.round(s / 86_400)}d` : formatDuration(s);
}

/** How long before `now` (both ms). */
export function ago(at: number, now: number): string {
  return `${dur((now - at) / 1000)} ago`;
}

/** The absolute time of `at` (ms), for a title on hover. */
export function when(at: number): string {
  return new Date(at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** A clock time for chart tooltips: the day only when the window spans days. */
export function clock(at: number, withDay: boolean): string {
  const d = new Date(at);
  return d.toLocaleString(
    "en-GB",
    withDay ? { weekday: "short", hour: "2-digit", minute: "2-digit" } : { hour: "2-digit", minute: "2-digit" },
  );
}
