/**
 * Every route's input and answer, declared once: the validators and /openapi.json are both
 * generated from these, so the document cannot drift from what the API accepts. The answers'
 * schemas are in responses/.
 * @module
 */

import { createRoute, z } from "@hono/zod-openapi";
import { FleetConfig, FleetName, GpuName } from "../config/fleet";
import { resolveFleet } from "./fleet";
import { DownBody, PauseBody, ReconcileBody, ReplaceBody, RollBody, ScaleBody, UpBody } from "./responses/actions";
import { EventsBody } from "./responses/events";
import { LogsBody } from "./responses/fleets";
import { StatsBody } from "./responses/stats";
import { StatusBody } from "./responses/status";

/**
 * A whole number in a query string. Not z.coerce: it reads `?n=` as 0, and `/scale?n=` must not
 * mean "destroy everything".
 */
export const int = (min: number, max: number, range = `${min} to ${max}`) => {
  const message = `must be an integer from ${range}`;
  return z
    .string()
    .regex(/^\d{1,16}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message)
    .openapi({ type: "integer", minimum: min, maximum: max });
};

/** An on/off switch in a query string: `1` or `true` is on, `0`, `false` or absent is off. */
export const flag = z
  .enum(["0", "1", "true", "false"])
  .optional()
  .transform((v) => v === "1" || v === "true")
  .openapi({ type: "string", enum: ["0", "1", "true", "false"] });

const MAX_WORKERS = FleetConfig.shape.workers.maxValue ?? 1000;
export const workers = (min: number) => int(min, MAX_WORKERS, `${min} to the fleet's maxWorkers (ZEB_MAX_WORKERS)`);

const fleet = FleetName.optional().openapi({ description: "the fleet; the default fleet (ZEB_FLEET) when absent" });
export const FleetQuery = z.object({ fleet });

export const ErrorBody = z.object({ error: z.string(), message: z.string() }).openapi("Error");

export const ok = <S extends z.ZodType>(description: string, schema: S) => ({ description, content: { "application/json": { schema } } });
export const err = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

/** What any authenticated route may answer besides its own success. */
export const errors = {
  400: err("invalid input; the message names the field"),
  401: err("missing or wrong bearer token (with WWW-Authenticate)"),
  403: err("the read-only token on a mutating route"),
  404: err("unknown fleet or instance"),
  409: err("a pass of this fleet is running (with Retry-After)"),
  413: err("request body over 64 KiB"),
  503: err("API_TOKEN not configured or a setting malformed (not_configured, naming it), or Vast unavailable"),
};

export const security = [{ bearer: [] }];

export const statusRoute = createRoute({
  method: "get",
  path: "/status",
  summary:
    "Every fleet (or one): target, paused and breaker state, instances, totals, last pass, money spent and games delivered, credit runway, the learner",
  security,
  request: {
    query: FleetQuery.extend({
      format: z
        .enum(["json", "text"])
        .optional()
        .openapi({ description: "text: a table like vast_status.sh (also with Accept: text/plain)" }),
    }),
  },
  responses: {
    200: {
      description: "fleets and grand totals",
      content: { "application/json": { schema: StatusBody }, "text/plain": { schema: z.string() } },
    },
    ...errors,
  },
});

export const scaleRoute = createRoute({
  method: "post",
  path: "/scale",
  summary: "Set the target to n and run a pass now",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery.extend({ n: workers(0) }) },
  responses: { 200: ok("the pass that acted on the new target", ScaleBody), ...errors },
});

export const upRoute = createRoute({
  method: "post",
  path: "/up",
  summary: "Add n to the target and launch now, optionally only on one GPU model",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery.extend({ n: workers(1), gpu: GpuName.optional().openapi({ example: "RTX_3090" }) }) },
  responses: { 200: ok("the pass that launched", UpBody), ...errors },
});

export const downRoute = createRoute({
  method: "post",
  path: "/down",
  summary: "Target 0 and destroy every instance of the fleet; without confirm=<fleet>, only list them",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery.extend({ confirm: z.string().max(64).optional().openapi({ description: "the fleet's name" }) }) },
  responses: { 200: ok("confirmed: what was destroyed; unconfirmed: what would be", DownBody), ...errors },
});

export const pauseRoute = createRoute({
  method: "post",
  path: "/pause",
  summary: "Stop autonomous actions (observing and alerting go on)",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery },
  responses: { 200: ok("paused", PauseBody), ...errors },
});

export const resumeRoute = createRoute({
  method: "post",
  path: "/resume",
  summary: "Restart autonomous actions",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery },
  responses: { 200: ok("resumed", PauseBody), ...errors },
});

export const reconcileRoute = createRoute({
  method: "post",
  path: "/reconcile",
  summary: "Run a pass now; with dry_run=1 return the plan and change nothing",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery.extend({ dry_run: flag }) },
  responses: { 200: ok("the pass report: workers, actions with reasons, held launches, errors", ReconcileBody), ...errors },
});

export const rollRoute = createRoute({
  method: "post",
  path: "/roll",
  summary: "Replace every worker started before now, one at a time, make before break (new worker code); cancel=1 stops a roll",
  security,
  middleware: [resolveFleet] as const,
  request: { query: FleetQuery.extend({ cancel: flag }) },
  responses: { 200: ok("whether a roll is under way, how many workers it has left, and the pass it ran", RollBody), ...errors },
});

/** A whole number in a path, 1 up, named `name`. */
export const idParam = (name: string) => int(1, Number.MAX_SAFE_INTEGER, "1 up").openapi({ param: { name, in: "path" }, type: "integer" });

const InstanceParam = z.object({ id: idParam("id") });

export const logsRoute = createRoute({
  method: "get",
  path: "/instances/{id}/logs",
  summary: "An owned instance's container logs, tokens and keys redacted",
  security,
  middleware: [resolveFleet] as const,
  request: {
    params: InstanceParam,
    query: FleetQuery.extend({ tail: int(1, 1000).default(50) }),
  },
  responses: { 200: ok("the instance's logs; text is null while Vast has no logs yet", LogsBody), ...errors },
});

export const statsRoute = createRoute({
  method: "get",
  path: "/stats",
  summary: "Throughput per GPU model and per host, as this fleet measured it (like the runbook's GPU table)",
  security,
  middleware: [resolveFleet] as const,
  request: {
    query: FleetQuery.extend({
      format: z.enum(["json", "text"]).optional().openapi({ description: "text: the GPU table for curl (also with Accept: text/plain)" }),
    }),
  },
  responses: {
    200: {
      description: "throughput per GPU model, what is known of each host, and the fleet's books (money)",
      content: { "application/json": { schema: StatsBody }, "text/plain": { schema: z.string() } },
    },
    ...errors,
  },
});

export const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary:
    "Every fleet in Prometheus' text format: workers by phase, $/h, games/s, games per dollar, launches and destroys by cause, breaker, credit and its runway, dollars spent and games delivered, passes, errors, subrequests",
  security,
  responses: {
    200: {
      description: "Prometheus text exposition format 0.0.4, each metric with # HELP and # TYPE",
      content: { "text/plain": { schema: z.string() } },
    },
    ...errors,
  },
});

export const replaceRoute = createRoute({
  method: "post",
  path: "/instances/{id}/replace",
  summary: "Destroy one worker of the fleet now and refill its slot in the same pass (the runbook's destroy + vast_up.sh 1)",
  security,
  middleware: [resolveFleet] as const,
  request: { params: InstanceParam, query: FleetQuery },
  responses: { 200: ok("the instance replaced and the pass that refilled its slot", ReplaceBody), ...errors },
});

export const eventsRoute = createRoute({
  method: "get",
  path: "/events",
  summary: "The fleet's audit trail, newest first",
  security,
  middleware: [resolveFleet] as const,
  request: {
    query: FleetQuery.extend({ limit: int(1, 1000).default(100), since: int(0, 8_640_000_000_000_000, "0 (epoch ms)").optional() }),
  },
  responses: { 200: ok("the fleet's events, newest first", EventsBody), ...errors },
});
