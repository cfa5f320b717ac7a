/**
 * `GET /stats` and `GET /hosts`: what the fleet learned about GPU models and hosts
 * (src/fleet/stats.ts builds it).
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { FleetStats as FleetStatsOf, GpuRow as GpuRowOf, HostRow as HostRowOf } from "../../fleet/stats";
import type { DudModelView } from "../../reconcile/duds/model";
import type { Describes } from "./describes";
import { Money } from "./money";

export const GpuRow = z
  .object({
    gpu: z.string(),
    gamesPerSec: z.number().nullable().openapi({ description: "the fleet's own rolling mean; null before any sample" }),
    samples: z.number().int(),
    prior: z.number().nullable(),
    expected: z.number().openapi({ description: "what ranking uses: the prior moving to the observations" }),
    dph: z.number().nullable(),
    gamesPerDollar: z.number().nullable(),
  })
  .openapi("GpuStats");

export const HostRow = z
  .object({
    machineId: z.number().int(),
    gpu: z.string().nullable(),
    gamesPerSec: z.number().nullable(),
    samples: z.number().int(),
    strikes: z.number().openapi({ description: "after decay" }),
    blocked: z.boolean(),
    reason: z.string().nullable().openapi({ description: "why it is blocked for good, else why its latest strike" }),
    lastStrikeAt: z.number().nullable(),
    sharedFrom: z.string().nullable().openapi({ description: "the fleet whose block this is, when another fleet found the host bad" }),
  })
  .openapi("Host");

export const DudModel = z
  .object({
    weights: z.record(z.string(), z.number()).openapi({
      description:
        "log-odds of a dud per unit of each listing feature (intercept first); all 0 but the intercept until outcomes teach otherwise",
    }),
    ran: z.number().int().openapi({ description: "watched launches that reached their first batch" }),
    duds: z.number().int().openapi({ description: "watched launches that failed before it, blaming the host" }),
    kinds: z.record(z.string(), z.number().int()).openapi({ description: "duds by the fleet's cause (no_cuda, boot_timeout, ...)" }),
    dudRate: z.number().nullable().openapi({ description: "duds over outcomes; null before any" }),
    priorDudRate: z.number(),
  })
  .openapi("DudModel");

export const StatsBody = z
  .object({ fleet: z.string(), gpus: z.array(GpuRow), hosts: z.array(HostRow), money: Money, duds: DudModel })
  .openapi("Stats");

export const HostsBody = StatsBody.pick({ fleet: true, hosts: true }).openapi("Hosts");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [
  Describes<typeof GpuRow, GpuRowOf>,
  Describes<typeof HostRow, HostRowOf>,
  Describes<typeof DudModel, DudModelView>,
  Describes<typeof StatsBody, FleetStatsOf>,
];
