/**
 * The dashboard's own reads: `/whoami` (which token it holds) and `/history` (its 24-hour charts,
 * from src/fleet/history.ts).
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { HistoryPoint as HistoryPointOf } from "../../fleet/history";
import type { Role } from "../auth";
import type { Describes } from "./describes";

export const WhoamiBody = z.object({ role: z.enum(["admin", "read"]) }).openapi("Whoami");

export const HistoryPoint = z
  .object({
    at: z.number().openapi({ description: "start of the 5-minute bucket (epoch ms, the fleet's clock)" }),
    gamesPerSec: z.number(),
    dph: z.number(),
    running: z.number().int(),
    instances: z.number().int(),
  })
  .openapi("HistoryPoint");

export const HistoryBody = z
  .object({
    fleet: z.string(),
    now: z.number().openapi({ description: "the fleet's clock (epoch ms)" }),
    bucketMs: z.number().int(),
    points: z.array(HistoryPoint).openapi({ description: "oldest first" }),
  })
  .openapi("History");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [Describes<typeof WhoamiBody, { role: Role }>, Describes<typeof HistoryPoint, HistoryPointOf>];
