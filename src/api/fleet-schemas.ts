/**
 * The routes that manage fleets rather than run them: fleet configs, the open health check and the
 * preflight, with their answers. Declared like every route (schemas.ts), so /openapi.json describes them.
 * @module
 */

import { createRoute, z } from "@hono/zod-openapi";
import { FleetConfig, FleetName } from "../config/fleet";
import type { Preflight } from "../preflight/checks";
import { resolveFleet } from "./fleet";
import { PreflightBody } from "./preflight-body";
import type { Describes } from "./responses/describes";
import { DeleteFleetBody, FleetBody, FleetsBody, PutFleetBody } from "./responses/fleets";
import { ErrorBody, errors, FleetQuery, flag, ok, security, workers } from "./schemas";

// Schemas from src/config were built before @hono/zod-openapi extended zod, so they have no
// .openapi(); they are used as they are (documented inline), and only wrappers made here carry metadata.
const FleetParam = z.object({ fleet: FleetName });

export const fleetsRoute = createRoute({
  method: "get",
  path: "/fleets",
  summary: "Every fleet's name with a summary",
  security,
  responses: { 200: ok("the default fleet and every fleet's summary", FleetsBody), ...errors },
});

export const getFleetRoute = createRoute({
  method: "get",
  path: "/fleets/{fleet}",
  summary: "A fleet's effective config, its stored overrides and config errors",
  security,
  request: { params: FleetParam },
  responses: { 200: ok("the effective config, the stored overrides and what is wrong with them", FleetBody), ...errors },
});

export const putFleetRoute = createRoute({
  method: "put",
  path: "/fleets/{fleet}",
  summary: "Create a fleet or replace its whole config (unknown keys are rejected)",
  security,
  request: { params: FleetParam, body: { required: true, content: { "application/json": { schema: FleetConfig } } } },
  responses: { 200: ok("the config stored", PutFleetBody), ...errors },
});

export const deleteFleetRoute = createRoute({
  method: "delete",
  path: "/fleets/{fleet}",
  summary: "Forget a fleet with no instances (not the default fleet)",
  security,
  request: { params: FleetParam },
  responses: { 200: ok("the fleet forgotten", DeleteFleetBody), ...errors },
});

const HealthCounts = {
  lastPassAt: z
    .number()
    .nullable()
    .openapi({ description: "the newest cron pass, whether it listed Vast or not (the passes' clock, epoch ms)" }),
  fleets: z.number().int().openapi({ description: "fleets the last cron tick ran" }),
  blind: z.number().int().openapi({ description: "of those, how many did not list Vast (failed listing, invalid config, error)" }),
};

export const HealthUp = z
  .object({
    ok: z.literal(true),
    lastObservedAt: z.number().openapi({ description: "the newest cron pass that listed Vast (epoch ms)" }),
    ...HealthCounts,
  })
  .openapi("HealthUp");

export const HealthDown = z
  .object({
    ok: z.literal(false),
    error: z.literal("vast_unobserved"),
    message: z.string(),
    lastObservedAt: z.number().nullable(),
    ...HealthCounts,
  })
  .openapi("HealthDown");

export const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "No auth: 200 while a cron pass listed Vast within the last 5 minutes (5 ticks), else 503; names no fleet",
  responses: {
    200: ok("Vast observed recently", HealthUp),
    503: ok("no pass listed Vast for 5 minutes (or none yet); or a malformed setting (not_configured)", z.union([HealthDown, ErrorBody])),
  },
});

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [Describes<typeof PreflightBody, Preflight>];

export const preflightRoute = createRoute({
  method: "get",
  path: "/preflight",
  summary:
    "Admin only, rents and changes nothing: the Vast key, credit and runway, offers under the cap, Hugging Face access and weights, Slack, the config, and what the first pass would rent",
  security,
  middleware: [resolveFleet] as const,
  request: {
    query: FleetQuery.extend({
      n: workers(0).optional().openapi({ description: "the target you are about to set; the fleet's own when absent" }),
      slack: flag.openapi({ description: "1: send one test message to SLACK_WEBHOOK_URL" }),
    }),
  },
  responses: { 200: ok("every check with its fix, and the first pass's rentals; 200 also when checks fail", PreflightBody), ...errors },
});
