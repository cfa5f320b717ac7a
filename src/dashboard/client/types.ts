/**
 * The API's answers as the page reads them: the server's own types, imported in this one place so
 * that the page cannot drift from what the routes send.
 * @module
 */
export type * from "../../api/contract";

/**
 * TEMPORARY, until the server's fields reach main: /status's per-fleet figures of issue 21, as
 * agreed with the server side. Replaced by FleetStatus's own fields once they land.
 */
export interface FleetFigures {
  money: {
    since: number;
    spent: { today: number; last24h: number; total: number };
    games: { today: number; last24h: number; total: number };
    gamesPerDollar: { today: number | null; last24h: number | null; total: number | null };
  };
  credit: { balance: number | null; at: number | null; burnPerHour: number; runwayHours: number | null; alertBelowHours: number | null };
  learner: {
    step: number | null;
    stepMovedAt: number | null;
    examplesCommitAt: number | null;
    examplesCommit: string | null;
    hold: string | null;
    alerts: string[];
  };
}

/** TEMPORARY, as FleetFigures: what GET /history's points gain. */
export interface HistoryFigures {
  gamesPerDollar: number | null;
  byGpu: { gpu: string; gamesPerSec: number; dph: number }[];
}
