/**
 * The API's answers as its clients read them (the dashboard's browser script among them): types
 * inferred from the response schemas (responses/), which /openapi.json is generated from and
 * test/api/responses.test.ts holds the real answers to. scripts/typecheck-client.ts checks the
 * script against this module, so the script cannot drift from what the API sends. Types only:
 * that check loads it without the Workers runtime's types.
 * @module
 */

import type { z } from "zod";
import type * as actions from "./responses/actions";
import type * as events from "./responses/events";
import type * as fleets from "./responses/fleets";
import type * as session from "./responses/session";
import type * as stats from "./responses/stats";
import type * as status from "./responses/status";
import type { ErrorBody as ErrorSchema } from "./schemas";

export type ErrorBody = z.infer<typeof ErrorSchema>;
export type WhoamiBody = z.infer<typeof session.WhoamiBody>;
export type HistoryBody = z.infer<typeof session.HistoryBody>;
export type HistoryPoint = z.infer<typeof session.HistoryPoint>;
export type FleetStatus = z.infer<typeof status.FleetStatus>;
export type GrandTotals = z.infer<typeof status.GrandTotals>;
export type StatusBody = z.infer<typeof status.StatusBody>;
export type FleetEvent = z.infer<typeof events.FleetEvent>;
export type EventsBody = z.infer<typeof events.EventsBody>;
export type HostRow = z.infer<typeof stats.HostRow>;
export type HostsBody = z.infer<typeof stats.HostsBody>;
export type FleetBody = z.infer<typeof fleets.FleetBody>;
export type ScaleBody = z.infer<typeof actions.ScaleBody>;
export type UpBody = z.infer<typeof actions.UpBody>;
export type PauseBody = z.infer<typeof actions.PauseBody>;
export type ClearHostBody = z.infer<typeof actions.ClearHostBody>;
export type BlockHostBody = z.infer<typeof actions.BlockHostBody>;
export type ReplaceBody = z.infer<typeof actions.ReplaceBody>;
export type RollBody = z.infer<typeof actions.RollBody>;
/** Without `confirm=<fleet>`, /down only lists what it would destroy. */
export type DownBody = z.infer<typeof actions.DownBody>;

/** Each route the dashboard calls (path parameters in braces, as in /openapi.json) and its 2xx body. */
export interface DashboardRoutes {
  "GET /whoami": WhoamiBody;
  "GET /status": StatusBody;
  "GET /history": HistoryBody;
  "GET /events": EventsBody;
  "GET /hosts": HostsBody;
  "GET /fleets/{fleet}": FleetBody;
  "POST /scale": ScaleBody;
  "POST /up": UpBody;
  "POST /pause": PauseBody;
  "POST /resume": PauseBody;
  "POST /down": DownBody;
  "DELETE /hosts/{machineId}": ClearHostBody;
  "PUT /hosts/{machineId}": BlockHostBody;
  "POST /instances/{id}/replace": ReplaceBody;
  "POST /roll": RollBody;
}
