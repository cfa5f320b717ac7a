import type { FleetBody } from "../contract";
import { defaultFleet, fleetNames, registry } from "../../fleet/registry";
import { lookupFleet, statusesOf } from "../fleet";
import { newApi } from "../hono";
import { answer, fail, failure } from "../respond";
import { deleteFleetRoute, fleetsRoute, getFleetRoute, putFleetRoute } from "../fleet-schemas";

/** Fleet configs: how a second model's fleet (the runbook's `zeb-large`) comes to exist. */
export const fleets = newApi();

fleets.openapi(fleetsRoute, async (c) => {
  const statuses = await statusesOf(c.env, await fleetNames(c.env));
  return c.json(
    {
      default: defaultFleet(c.env),
      fleets: statuses.map((s) => ({
        name: s.fleet,
        target: s.target,
        paused: s.paused,
        breakerOpen: s.breaker.open,
        instances: s.totals.instances,
        running: s.totals.running,
        dph: s.totals.dph,
        configErrors: s.configErrors,
        lastPassAt: s.lastPass?.at ?? null,
      })),
    },
    200,
  );
});

fleets.openapi(getFleetRoute, async (c) => {
  const found = await lookupFleet(c.env, c.req.valid("param").fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  return answer(
    c,
    await stub.getConfig(name),
    (v): FleetBody => ({ fleet: name, config: v.config, overrides: v.overrides, errors: v.errors }),
  );
});

fleets.openapi(putFleetRoute, async (c) => {
  const { fleet } = c.req.valid("param");
  const result = await c.env.FLEET.getByName(fleet).putConfig(fleet, c.req.valid("json"));
  // Registered only once its config is stored, so the cron never reconciles a fleet without one.
  if (result.ok) await registry(c.env).add(fleet);
  return answer(c, result, (config) => ({ fleet, config }));
});

fleets.openapi(deleteFleetRoute, async (c) => {
  const { fleet } = c.req.valid("param");
  if (fleet === defaultFleet(c.env))
    return fail(c, failure(400, "invalid_input", `fleet: ${fleet} is the default fleet (ZEB_FLEET) and cannot be deleted`));
  const found = await lookupFleet(c.env, fleet);
  if (!found.ok) return fail(c, found);
  const result = await found.value.stub.destroyFleet(fleet);
  if (result.ok) await registry(c.env).remove(fleet);
  return answer(c, result, (value) => value);
});
