/**
 * What the runbook's actions answer (`/scale`, `/up`, `/down`, `/pause`, `/resume`, `/reconcile`,
 * `/roll`, `/instances/{id}/replace`, `PUT` and `DELETE /hosts/{machineId}`): the fleet's name with
 * what its object did (src/fleet/ops/*).
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { DownResult } from "../../fleet/ops/target";
import { BLOCK_SCOPES } from "../../reconcile/hosts";
import type { Describes, Value } from "./describes";
import { PassReport } from "./report";

const fleet = z.string();

export const ScaleBody = z.object({ fleet, target: z.number().int(), report: PassReport }).openapi("Scaled");

export const UpBody = z.object({ fleet, added: z.number().int(), gpu: z.string().nullable(), report: PassReport }).openapi("Up");

const DownInstance = z.object({ id: z.number().int(), label: z.string(), gpu: z.string().nullable(), status: z.string().nullable() });

/** Without `confirm=<fleet>`, /down only lists what it would destroy. */
export const DownBody = z
  .discriminatedUnion("confirmed", [
    z.object({
      fleet,
      confirmed: z.literal(true),
      destroyed: z.array(z.number().int()),
      errors: z.array(z.string()),
      instances: z.array(DownInstance),
    }),
    z.object({ fleet, confirmed: z.literal(false), wouldDestroy: z.array(DownInstance), message: z.string() }),
  ])
  .openapi("Down");

export const PauseBody = z.object({ fleet, paused: z.boolean() }).openapi("Paused");

export const ReconcileBody = z.object({ fleet, dryRun: z.boolean(), report: PassReport }).openapi("Reconciled");

export const RollBody = z
  .object({
    fleet,
    rolling: z.boolean(),
    remaining: z.number().int().openapi({ description: "workers left that started before the roll" }),
    report: PassReport.nullable().openapi({ description: "null when the roll was cancelled" }),
  })
  .openapi("Roll");

export const ReplaceBody = z.object({ fleet, replaced: z.number().int(), report: PassReport }).openapi("Replaced");

export const ClearHostBody = z.object({ fleet, cleared: z.number().int() }).openapi("HostCleared");

export const BlockHostBody = z
  .object({ fleet, blocked: z.number().int(), scope: z.enum(BLOCK_SCOPES), reason: z.string() })
  .openapi("HostBlocked");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [
  Describes<typeof ScaleBody, { fleet: string; target: number; report: Value<"scale"> }>,
  Describes<typeof UpBody, { fleet: string; gpu: string | null } & Value<"up">>,
  Describes<typeof DownBody, { fleet: string; confirmed: true } & Pick<DownResult, "destroyed" | "errors" | "instances">>,
  Describes<typeof DownBody, { fleet: string; confirmed: false; wouldDestroy: DownResult["instances"]; message: string }>,
  Describes<typeof PauseBody, { fleet: string } & Value<"setPaused">>,
  Describes<typeof ReconcileBody, { fleet: string; dryRun: boolean; report: Value<"reconcile"> }>,
  Describes<typeof RollBody, { fleet: string } & Value<"roll">>,
  Describes<typeof ReplaceBody, { fleet: string } & Value<"replace">>,
  Describes<typeof ClearHostBody, { fleet: string } & Value<"clearHost">>,
  Describes<typeof BlockHostBody, { fleet: string } & Value<"blockHost">>,
];
