import { causeOf, tally, type PassReport } from "../reconcile/report";

/**
 * What a fleet's object has spent against the Workers quotas since this incarnation started (kept
 * in memory: it is a meter, not state). `npm run bench` reads it to check the Free-plan arithmetic
 * with measured figures, and `/status` shows it.
 */
export interface Usage {
  since: number;
  passes: number;
  /** Subrequests to Vast made by passes (list pages, logs, searches, creates, destroys). */
  vastRequests: number;
  kvReads: number;
  kvWrites: number;
  /** SQLite rows written (billed per row), alarms set included (each is billed as one row). */
  rowsWritten: number;
  /** Calls to the registry object for shared host blocks: each is a Durable Object request. */
  registryCalls: number;
  /** Passes recorded (not dry runs) whose report carries at least one error. */
  passErrors: number;
  /** Launches and destroys sent (answered or not), by cause (report.ts `causeOf`). */
  launches: Record<string, number>;
  destroys: Record<string, number>;
}

export function newUsage(now: number): Usage {
  return {
    since: now,
    passes: 0,
    vastRequests: 0,
    kvReads: 0,
    kvWrites: 0,
    rowsWritten: 0,
    registryCalls: 0,
    passErrors: 0,
    launches: {},
    destroys: {},
  };
}

/** Counts a recorded pass's errors and actions into the meter. */
export function tallyPass(usage: Usage, report: PassReport): void {
  if (report.errors.length > 0) usage.passErrors++;
  tally(report.actions.filter((a) => a.kind === "launch").map(causeOf), usage.launches);
  tally(report.actions.filter((a) => a.kind === "destroy").map(causeOf), usage.destroys);
}

/** The object's SQL storage, counting the rows each statement writes. */
export function meteredSql(sql: SqlStorage, usage: Usage): SqlStorage {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop !== "exec") return Reflect.get(target, prop, receiver) as unknown;
      return (query: string, ...bindings: unknown[]) => {
        const cursor = target.exec(query, ...bindings);
        usage.rowsWritten += cursor.rowsWritten;
        return cursor;
      };
    },
  });
}
