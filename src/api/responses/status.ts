/**
 * `GET /status`'s answer: every fleet as its last pass saw it (src/fleet/status.ts builds it) and
 * the account's totals (src/api/totals.ts).
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { FleetStatus as FleetStatusOf, InstanceStatus as InstanceStatusOf } from "../../fleet/status";
import type { GrandTotals as GrandTotalsOf } from "../totals";
import type { Describes } from "./describes";
import { Credit, Learner, Money } from "./money";
import { ActionRecord, WorkerView } from "./report";

export const InstanceStatus = WorkerView.extend({
  ageS: z.number().nullable().openapi({ description: "seconds since Vast started it" }),
  phaseForS: z.number().openapi({ description: "seconds in its phase" }),
}).openapi("Instance");

const Breaker = z.object({
  open: z.boolean(),
  reason: z.string().nullable(),
  since: z.number().nullable(),
  failures: z.number().int().openapi({ description: "launches in a row that failed before reaching RUNNING" }),
  recentFailures: z.array(z.string()),
  lastProbeAt: z.number().nullable(),
});

const Totals = z.object({
  instances: z.number().int(),
  running: z.number().int(),
  dph: z.number(),
  dpd: z.number(),
  gamesPerSec: z.number(),
  gamesPerDollar: z.number().nullable(),
});

const CommitRate = z.object({
  perHour: z.number(),
  budget: z.number(),
  limit: z.number(),
  uploadInterval: z.union([z.literal("auto"), z.number().int()]),
});

const Capacity = z.enum(["on-demand", "interruptible", "mixed"]);

const Usage = z
  .object({
    since: z.number(),
    passes: z.number().int(),
    vastRequests: z.number().int(),
    kvReads: z.number().int(),
    kvWrites: z.number().int(),
    rowsWritten: z.number().int(),
    registryCalls: z.number().int(),
    passErrors: z.number().int(),
    launches: z.record(z.string(), z.number().int()).openapi({ description: "by cause" }),
    destroys: z.record(z.string(), z.number().int()).openapi({ description: "by cause" }),
  })
  .openapi({ description: "quota use of the fleet's object since it last started" });

const Alerts = z.object({
  firing: z.array(z.object({ kind: z.string(), instance: z.number().int().nullable(), title: z.string(), since: z.number() })),
  queued: z.number().int(),
  retryAt: z.number().nullable(),
  slackError: z.string().nullable(),
  lastOkPassAt: z.number().nullable(),
  credit: z.object({ credit: z.number(), at: z.number() }).nullable(),
});

export const FleetStatus = z
  .object({
    fleet: z.string(),
    now: z.number().openapi({ description: "the fleet's clock (epoch ms)" }),
    target: z.number().int().nullable(),
    paused: z.boolean(),
    configErrors: z.array(z.string()),
    breaker: Breaker,
    launchHold: z.string().nullable(),
    stateDamage: z
      .object({ at: z.number(), keptAs: z.string(), problem: z.string(), lost: z.array(z.string()) })
      .nullable()
      .openapi({ description: "the fleet's stored state was found damaged and kept aside; null when it never was" }),
    vramFloorMb: z.number(),
    creditPausedUntil: z.number().nullable(),
    instances: z.array(InstanceStatus),
    pending: z.object({ launches: z.number().int(), destroys: z.number().int(), upgrades: z.number().int() }),
    totals: Totals,
    lastPass: z
      .object({
        at: z.number(),
        observed: z.boolean(),
        actions: z.array(ActionRecord),
        held: z.array(z.string()),
        errors: z.array(z.string()),
        subrequests: z.number().int(),
      })
      .nullable(),
    throughput: z.array(z.object({ gpu: z.string(), gamesPerSec: z.number(), samples: z.number().int(), expected: z.number() })),
    blockedHosts: z.number().int(),
    roll: z.object({ since: z.number(), remaining: z.number().int() }).nullable(),
    hfCommits: CommitRate.nullable(),
    usage: Usage,
    alerts: Alerts,
    money: Money,
    credit: Credit,
    learner: Learner,
    capacity: z
      .object({
        configured: Capacity,
        now: Capacity.openapi({ description: "what launches use now: on demand while the fleet has fallen back" }),
        fallback: z.object({ since: z.number(), until: z.number(), reason: z.string() }).nullable(),
      })
      .nullable()
      .openapi({ description: "ZEB_CAPACITY, and the fall back to on demand when interruption was too frequent" }),
  })
  .openapi("FleetStatus");

export const GrandTotals = Totals.omit({ gamesPerDollar: true }).openapi("GrandTotals");

export const StatusBody = z.object({ fleets: z.array(FleetStatus), totals: GrandTotals }).openapi("Status");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [
  Describes<typeof InstanceStatus, InstanceStatusOf>,
  Describes<typeof FleetStatus, FleetStatusOf>,
  Describes<typeof GrandTotals, GrandTotalsOf>,
];
