/**
 * Which fleet a request addresses, resolved once per request by the `resolveFleet` middleware
 * (in the style of Hono's request-id middleware: the handler reads `c.var.fleet`).
 * @module
 */

import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { describeIssues, FleetName } from "../config/fleet";
import type { Env } from "../env";
import { defaultFleet, fleetNames } from "../fleet/registry";
import type { RpcResult } from "../fleet/rpc";
import type { FleetStatus } from "../fleet/status";
import { fail, failure } from "./respond";

export type FleetStub = ReturnType<Env["FLEET"]["getByName"]>;

/** What `resolveFleet` sets for the handler. */
export type FleetVariables = { fleet: { name: string; stub: FleetStub } };

/**
 * The fleet a request addresses: `?fleet=` or the default. Only a known fleet: an object for a
 * mistyped name would launch instances that no cron pass ever looks after again. (Deletion races
 * are settled inside the fleet's object, under its lease.)
 */
export async function lookupFleet(env: Env, requested: string | undefined): Promise<RpcResult<{ name: string; stub: FleetStub }>> {
  const name = requested ?? defaultFleet(env);
  if (!(await fleetNames(env)).includes(name)) {
    return failure(404, "unknown_fleet", `fleet: no fleet named ${name}; create it with PUT /fleets/${name}`);
  }
  return { ok: true, value: { name, stub: env.FLEET.getByName(name) } };
}

const Requested = z.object({ fleet: FleetName.optional() });

/**
 * Resolves `?fleet=` (or the default fleet) before the handler runs. It runs before the route's
 * validators, so it names a malformed fleet name the way they would (400), and an unknown one 404.
 */
export const resolveFleet = createMiddleware<{ Bindings: Env; Variables: FleetVariables }>(async (c, next) => {
  const requested = Requested.safeParse({ fleet: c.req.query("fleet") });
  if (!requested.success) return fail(c, failure(400, "invalid_input", describeIssues(requested.error, "query").join("; ")));
  const found = await lookupFleet(c.env, requested.data.fleet);
  if (!found.ok) return fail(c, found);
  c.set("fleet", found.value);
  await next();
});

/** The status of each named fleet, asked of all fleet objects at once. */
export async function statusesOf(env: Env, names: string[]): Promise<FleetStatus[]> {
  return Promise.all(names.map((name) => env.FLEET.getByName(name).status(name)));
}
