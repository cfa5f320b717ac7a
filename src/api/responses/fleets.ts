/**
 * The fleet-management answers: `/fleets`, `/fleets/{fleet}` (GET, PUT, DELETE) and `/instances/{id}/logs`.
 * @module
 */

import { z } from "@hono/zod-openapi";
import { FleetConfig } from "../../config/fleet";
import type { Describes, Value } from "./describes";

export const FleetsBody = z
  .object({
    default: z.string().openapi({ description: "the default fleet (ZEB_FLEET)" }),
    fleets: z.array(
      z.object({
        name: z.string(),
        target: z.number().int().nullable(),
        paused: z.boolean(),
        breakerOpen: z.boolean(),
        instances: z.number().int(),
        running: z.number().int(),
        dph: z.number(),
        configErrors: z.array(z.string()),
        lastPassAt: z.number().nullable(),
      }),
    ),
  })
  .openapi("Fleets");

// FleetConfig was built before @hono/zod-openapi extended zod, so it has no .openapi(): only the wrappers made here carry metadata.
export const FleetBody = z
  .object({
    fleet: z.string(),
    config: FleetConfig.nullable().openapi({ description: "the effective config; null while it is invalid" }),
    overrides: FleetConfig.partial().openapi({ description: "what PUT /fleets/{fleet} and /scale stored over the ZEB_* settings" }),
    errors: z.array(z.string()),
  })
  .openapi("Fleet");

export const PutFleetBody = z.object({ fleet: z.string(), config: FleetConfig }).openapi("FleetStored");

export const DeleteFleetBody = z.object({ deleted: z.string() }).openapi("FleetDeleted");

export const LogsBody = z
  .object({
    fleet: z.string(),
    id: z.number().int(),
    label: z.string(),
    text: z.string().nullable().openapi({ description: "null while Vast has no logs yet; tokens and keys redacted" }),
  })
  .openapi("Logs");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [
  Describes<typeof FleetBody, { fleet: string } & Value<"getConfig">>,
  Describes<typeof PutFleetBody, { fleet: string; config: Value<"putConfig"> }>,
  Describes<typeof DeleteFleetBody, Value<"destroyFleet">>,
  Describes<typeof LogsBody, { fleet: string } & Value<"logs">>,
];
