/**
 * One structured log line per pass, for `wrangler tail` and Workers Logs (wrangler.toml
 * `[observability]`): what the pass saw, did and could not do, as JSON fields a query can filter
 * on. Its free text (held, errors) is redacted like every event's; the rest is counts and names.
 * @module
 */

import { causeOf, tally, type PassReport } from "../reconcile/report";

/** The `msg` of a pass line: `$metadata.message` / `msg = "pass"` in a Workers Logs query. */
export const PASS_LOG_MSG = "pass";

/**
 * `wallMs`: the pass's own wall time (Date.now() moves across I/O in a Worker, which is where a
 * pass spends its time); CPU time is not measurable from inside a Worker and is on the
 * invocation's own Workers Logs record.
 */
export function passLogLine(report: PassReport, wallMs: number | null, redact: (text: string) => string): string {
  const byCause = (kind: "launch" | "destroy") => tally(report.actions.filter((a) => a.kind === kind).map(causeOf));
  const line = {
    msg: PASS_LOG_MSG,
    fleet: report.fleet,
    at: new Date(report.at).toISOString(),
    observed: report.observed,
    workers: report.workers.length,
    running: report.workers.filter((w) => w.phase === "RUNNING").length,
    dph: Math.round(report.dph * 10_000) / 10_000,
    launches: byCause("launch"),
    destroys: byCause("destroy"),
    failedActions: report.actions.filter((a) => !a.ok).length,
    phaseChanges: report.phaseChanges.length,
    held: report.held.map(redact),
    errors: report.errors.map(redact),
    subrequests: report.subrequests,
    wallMs,
  };
  return JSON.stringify(line);
}
