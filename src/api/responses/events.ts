/**
 * `GET /events`: the fleet's audit trail (src/fleet/store.ts keeps it).
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { FleetEvent as FleetEventOf } from "../../fleet/store";
import type { Describes } from "./describes";

export const FleetEvent = z
  .object({
    seq: z.number().int(),
    at: z.number(),
    fleet: z.string(),
    instanceId: z.number().int().nullable(),
    label: z.string().nullable(),
    phase: z.string().nullable(),
    action: z.string().openapi({ example: "launch" }),
    reason: z.string(),
    ok: z.boolean(),
  })
  .openapi("Event");

export const EventsBody = z.object({ fleet: z.string(), events: z.array(FleetEvent) }).openapi("Events");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [Describes<typeof FleetEvent, FleetEventOf>];
