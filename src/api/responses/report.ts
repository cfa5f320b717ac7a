/**
 * A pass's report as the API sends it (`/reconcile`, `/scale`, `/up`, `/roll`, `/instances/{id}/replace`)
 * and the workers and actions `/status` shows: the schemas of src/reconcile/report.ts's types.
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { ActionRecord as ActionRecordOf, PassReport as PassReportOf, WorkerView as WorkerViewOf } from "../../reconcile/report";
import { PHASES } from "../../reconcile/state";
import type { Describes } from "./describes";

export const Phase = z.enum(PHASES);

export const WorkerView = z
  .object({
    id: z.number().int(),
    label: z.string(),
    slot: z.number().int(),
    gpu: z.string().nullable(),
    machineId: z.number().int().nullable(),
    status: z.string().nullable().openapi({ description: "Vast's actual_status" }),
    phase: Phase,
    detail: z.string(),
    since: z.number().openapi({ description: "in this phase since (epoch ms)" }),
    startedAt: z.number().nullable(),
    dph: z.number().nullable(),
    storageDph: z.number().nullable().openapi({ description: "$/h of its disk alone, billed even while it does not run" }),
    gamesPerSec: z.number().nullable(),
    batch: z.number().nullable(),
    step: z.number().nullable(),
    totalGames: z.number().nullable(),
    uploadedGames: z.number().nullable().openapi({ description: "games delivered at its newest completed upload" }),
    ssh: z.string().nullable(),
    hfAuthError: z.boolean(),
    everRan: z.boolean(),
    fatalKind: z.string().nullable().openapi({ description: "the fatal error its logs showed (no_cuda, oom, ...)" }),
    logsUnreadableSince: z.number().nullable(),
    capacity: z
      .enum(["on-demand", "interruptible"])
      .optional()
      .openapi({ description: "Vast's is_bid; absent in reports stored before interruptible capacity" }),
    bid: z.number().nullable().optional().openapi({ description: "the fleet's bid for it, $/h; null on demand or unknown" }),
  })
  .openapi("Worker");

export const ActionRecord = z
  .object({
    kind: z.enum(["destroy", "launch", "bid"]).openapi({ description: "bid: a raised bid for an outbid worker" }),
    label: z.string(),
    slot: z.number().int(),
    instanceId: z.number().int().nullable(),
    reason: z.string(),
    ok: z.boolean(),
    error: z.string().nullable(),
    gpu: z.string().nullable(),
    dph: z.number().nullable(),
    machineId: z.number().int().nullable(),
    cause: z.string().nullable(),
  })
  .openapi("Action");

const PhaseChange = z.object({ id: z.number().int(), label: z.string(), from: Phase.nullable(), to: Phase, detail: z.string() });

export const PassReport = z
  .object({
    at: z.number(),
    fleet: z.string(),
    observed: z.boolean().openapi({ description: "false when the fleet could not be listed: nothing was launched or destroyed" }),
    dryRun: z.boolean(),
    workers: z.array(WorkerView),
    actions: z.array(ActionRecord),
    held: z.array(z.string()),
    errors: z.array(z.string()),
    phaseChanges: z.array(PhaseChange),
    firstRunning: z.array(z.number().int()),
    subrequests: z.number().int(),
    dph: z.number(),
  })
  .openapi("PassReport");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [
  Describes<typeof WorkerView, WorkerViewOf>,
  Describes<typeof ActionRecord, ActionRecordOf>,
  Describes<typeof PassReport, PassReportOf>,
];
