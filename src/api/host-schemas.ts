/**
 * The host routes (`GET /hosts`, `PUT` and `DELETE /hosts/{machineId}`): host reputation, and
 * blocking a host by hand. Declared like every route (schemas.ts), so /openapi.json describes them.
 * @module
 */

import { createRoute, z } from "@hono/zod-openapi";
import { BLOCK_SCOPES } from "../reconcile/hosts";
import { resolveFleet } from "./fleet";
import { BlockHostBody, ClearHostBody } from "./responses/actions";
import { HostsBody } from "./responses/stats";
import { errors, FleetQuery, idParam, ok, security } from "./schemas";

export const hostsRoute = createRoute({
  method: "get",
  path: "/hosts",
  summary:
    "Host reputation: strikes (decayed), blocks and measured throughput per machine; sharedFrom names the fleet a block was adopted from",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery },
  responses: { 200: ok("every host the fleet knows", HostsBody), ...errors },
});

const MachineParam = z.object({ machineId: idParam("machineId") });

export const clearHostRoute = createRoute({
  method: "delete",
  path: "/hosts/{machineId}",
  summary: "Forget a host's record: its strikes and block are cleared, and the block the account's fleets share",
  security,
  middleware: [resolveFleet] as const,
  request: { params: MachineParam, query: FleetQuery },
  responses: { 200: ok("the machine whose record was cleared", ClearHostBody), ...errors },
});

export const BlockHostInput = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(1, "say why, in a few words (it is shown in /hosts)")
      .max(200, "at most 200 characters")
      .regex(/^[^\p{Cc}]*$/u, "must be one line of text"),
    scope: z
      .enum(BLOCK_SCOPES)
      .default("account")
      .openapi({ description: "account (default): every fleet skips the host; fleet: only this one" }),
  })
  .openapi("BlockHost");

export const blockHostRoute = createRoute({
  method: "put",
  path: "/hosts/{machineId}",
  summary: "Block a host by hand until DELETE /hosts/:machineId (a worker running there stays)",
  security,
  middleware: [resolveFleet] as const,
  request: {
    params: MachineParam,
    query: FleetQuery,
    body: { required: true, content: { "application/json": { schema: BlockHostInput } } },
  },
  responses: { 200: ok("the machine blocked, for whom, and why", BlockHostBody), ...errors },
});
