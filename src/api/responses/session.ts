/**
 * The dashboard's own reads: `/whoami` (which token it holds) and `/history` (its 24-hour charts,
 * from src/fleet/history.ts).
 * @module
 */

import { z } from "@hono/zod-openapi";
import { HISTORY_WINDOWS, type HistoryPoint as HistoryPointOf } from "../../fleet/history";
import type { Role } from "../auth";
import type { Describes } from "./describes";

export const WhoamiBody = z.object({ role: z.enum(["admin", "read"]) }).openapi("Whoami");

export const GpuPoint = z
  .object({ gpu: z.string(), gamesPerSec: z.number(), dph: z.number() })
  .openapi("HistoryGpuPoint", { description: "one GPU model's share of a point" });

export const HistoryPoint = z
  .object({
    at: z.number().openapi({ description: "start of the bucket (epoch ms, the fleet's clock): 5 minutes, or an hour in the 7d window" }),
    gamesPerSec: z.number(),
    dph: z.number(),
    running: z.number().openapi({ description: "workers running; in the 7d window the hour's mean" }),
    instances: z.number().openapi({ description: "instances listed; in the 7d window the hour's mean" }),
    gamesPerDollar: z.number().nullable().openapi({ description: "gamesPerSec × 3600 / dph; null while the fleet cost nothing" }),
    byGpu: z.array(GpuPoint).openapi({ description: "the same by GPU model, for games per dollar per model" }),
  })
  .openapi("HistoryPoint");

export const HistoryBody = z
  .object({
    fleet: z.string(),
    now: z.number().openapi({ description: "the fleet's clock (epoch ms)" }),
    window: z.enum(HISTORY_WINDOWS).openapi({ description: "24h: 5-minute points; 7d: hourly means" }),
    bucketMs: z.number().int(),
    points: z.array(HistoryPoint).openapi({ description: "oldest first" }),
  })
  .openapi("History");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [Describes<typeof WhoamiBody, { role: Role }>, Describes<typeof HistoryPoint, HistoryPointOf>];
