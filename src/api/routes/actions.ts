import type { BlockHostBody, ClearHostBody, DownBody, PauseBody, ReplaceBody, RollBody, ScaleBody, UpBody } from "../contract";
import { blockHostRoute, clearHostRoute } from "../host-schemas";
import { newApi } from "../hono";
import { upProblem } from "../../config/uploads";
import { answer, fail, failure } from "../respond";
import { downRoute, pauseRoute, reconcileRoute, replaceRoute, resumeRoute, rollRoute, scaleRoute, upRoute } from "../schemas";

/** The runbook's scripts as requests: each one runs in the fleet's object, under its lease. */
export const actions = newApi();

actions.openapi(scaleRoute, async (c) => {
  const { n } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.scale(name, n), (report): ScaleBody => ({ fleet: name, target: n, report }));
});

actions.openapi(upRoute, async (c) => {
  const { n, gpu } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  // Checked here so that the message speaks of n; the object checks the target again under its lease.
  const current = await stub.getConfig(name);
  const problem = current.ok && current.value.config ? upProblem(current.value.config, n) : null;
  if (problem) return fail(c, failure(400, "invalid_input", problem));
  return answer(c, await stub.up(name, n, gpu ?? null), ({ added, report }): UpBody => ({ fleet: name, added, gpu: gpu ?? null, report }));
});

actions.openapi(downRoute, async (c) => {
  const { confirm } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  // The runbook's [y/N] prompt: only the fleet's own name, typed out, destroys anything.
  return answer(
    c,
    await stub.down(name, confirm === name),
    (down): DownBody =>
      down.confirmed
        ? { fleet: name, confirmed: true, destroyed: down.destroyed, errors: down.errors, instances: down.instances }
        : {
            fleet: name,
            confirmed: false,
            wouldDestroy: down.instances,
            message: `add confirm=${name} to destroy ${down.instances.length} instance(s) of fleet ${name} and set its target to 0; nothing was changed`,
          },
  );
});

actions.openapi(rollRoute, async (c) => {
  const { cancel } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.roll(name, cancel), (v): RollBody => ({ fleet: name, ...v }));
});

actions.openapi(replaceRoute, async (c) => {
  const { id } = c.req.valid("param");
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.replace(name, id), (v): ReplaceBody => ({ fleet: name, ...v }));
});

for (const [route, paused] of [
  [pauseRoute, true],
  [resumeRoute, false],
] as const) {
  actions.openapi(route, async (c) => {
    const { name, stub } = c.var.fleet;
    return answer(c, await stub.setPaused(name, paused), (value): PauseBody => ({ fleet: name, ...value }));
  });
}

actions.openapi(reconcileRoute, async (c) => {
  const { dry_run: dryRun } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.reconcile(name, dryRun), (report) => ({ fleet: name, dryRun, report }));
});

actions.openapi(clearHostRoute, async (c) => {
  const { machineId } = c.req.valid("param");
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.clearHost(name, machineId), (v): ClearHostBody => ({ fleet: name, ...v }));
});

actions.openapi(blockHostRoute, async (c) => {
  const { machineId } = c.req.valid("param");
  const { reason, scope } = c.req.valid("json");
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.blockHost(name, machineId, reason, scope), (v): BlockHostBody => ({ fleet: name, ...v }));
});
