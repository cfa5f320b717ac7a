import type { z } from "zod";
import type { Role } from "./auth";
import type { ErrorBody as ErrorSchema } from "./schemas";
import type { GrandTotals } from "./totals";
import type { DownResult, FleetObject } from "../fleet/object";
import type { RpcResult } from "../fleet/rpc";
import type { FleetStats } from "../fleet/stats";
import type { FleetStatus } from "../fleet/status";
import type { FleetEvent } from "../fleet/store";
import type { HistoryBody } from "../fleet/history";

/**
 * The API's answers as its clients read them (the dashboard's browser script among them), named
 * from the types the server builds them from.
 * The routes type the bodies they build as these (`satisfies` or a return type), and
 * scripts/typecheck-client.ts checks the script against this module, so the script cannot drift
 * from what the API sends. Types only: that check loads it without the Workers runtime's types.
 */

export type { FleetEvent, FleetStatus, GrandTotals, HistoryBody };
export type { HistoryPoint } from "../fleet/history";
export type { HostRow } from "../fleet/stats";

export type ErrorBody = z.infer<typeof ErrorSchema>;

/** What the fleet object's RPC method `M` hands its route when it succeeds. */
type Value<M extends keyof FleetObject> = FleetObject[M] extends (...args: never[]) => Promise<RpcResult<infer T>> ? T : never;

export type WhoamiBody = { role: Role };
export type StatusBody = { fleets: FleetStatus[]; totals: GrandTotals };
export type EventsBody = { fleet: string; events: FleetEvent[] };
export type HostsBody = Pick<FleetStats, "fleet" | "hosts">;
export type FleetBody = { fleet: string } & Value<"getConfig">;
export type ScaleBody = { fleet: string; target: number; report: Value<"scale"> };
export type UpBody = { fleet: string; gpu: string | null } & Value<"up">;
export type PauseBody = { fleet: string } & Value<"setPaused">;
export type ClearHostBody = { fleet: string } & Value<"clearHost">;
export type BlockHostBody = { fleet: string } & Value<"blockHost">;
export type ReplaceBody = { fleet: string } & Value<"replace">;
export type RollBody = { fleet: string } & Value<"roll">;
/** Without `confirm=<fleet>`, /down only lists what it would destroy. */
export type DownBody =
  | ({ fleet: string; confirmed: true } & Pick<DownResult, "destroyed" | "errors" | "instances">)
  | { fleet: string; confirmed: false; wouldDestroy: DownResult["instances"]; message: string };

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
