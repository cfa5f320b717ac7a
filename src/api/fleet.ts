import type { Env } from "../env";
import type { RpcResult } from "../fleet/rpc";
import { defaultFleet, fleetNames } from "../fleet/registry";
import type { FleetStatus } from "../fleet/status";
import { failure } from "./respond";

export type FleetStub = ReturnType<Env["FLEET"]["getByName"]>;

/**
 * The fleet a request addresses: `?fleet=` or the default. Only a known fleet: an object for a
 * mistyped name would launch instances that no cron pass ever looks after again.
 */
export async function lookupFleet(env: Env, requested: string | undefined): Promise<RpcResult<{ name: string; stub: FleetStub }>> {
  const name = requested ?? defaultFleet(env);
  if (!(await fleetNames(env)).includes(name)) {
    return failure(404, "unknown_fleet", `fleet: no fleet named ${name}; create it with PUT /fleets/${name}`);
  }
  return { ok: true, value: { name, stub: env.FLEET.getByName(name) } };
}

/** The status of each named fleet, asked of all fleet objects at once. */
export async function statusesOf(env: Env, names: string[]): Promise<FleetStatus[]> {
  return Promise.all(names.map((name) => env.FLEET.getByName(name).status(name)));
}
