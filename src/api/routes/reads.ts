/**
 * The read routes: `/status`, `/events`, `/hosts`, `/stats`, `/metrics`, a worker's logs and
 * `/healthz`.
 * @module
 */

import type { EventsBody, HostsBody, StatusBody } from "../contract";
import { judgeHealth } from "../../fleet/cron";
import { fleetNames, registry } from "../../fleet/registry";
import { lookupFleet, statusesOf } from "../fleet";
import { newApi } from "../hono";
import { answer, fail } from "../respond";
import { statsText } from "../../fleet/stats";
import { METRICS_CONTENT_TYPE, metricsText } from "../metrics";
import { healthRoute } from "../fleet-schemas";
import { hostsRoute } from "../host-schemas";
import { eventsRoute, logsRoute, metricsRoute, statsRoute, statusRoute } from "../schemas";
import { statusText } from "../text";
import { grandTotals } from "../totals";

export const reads = newApi();

reads.openapi(statusRoute, async (c) => {
  const { fleet, format } = c.req.valid("query");
  let names: string[];
  if (fleet === undefined) {
    names = await fleetNames(c.env);
  } else {
    const found = await lookupFleet(c.env, fleet);
    if (!found.ok) return fail(c, found);
    names = [found.value.name];
  }
  const fleets = await statusesOf(c.env, names);
  const totals = grandTotals(fleets);
  const wantsText = format === "text" || (format === undefined && /\btext\/plain\b/.test(c.req.header("accept") ?? ""));
  return wantsText ? c.text(statusText(fleets, totals), 200) : c.json({ fleets, totals } satisfies StatusBody, 200);
});

reads.openapi(metricsRoute, async (c) =>
  c.text(metricsText(await statusesOf(c.env, await fleetNames(c.env))), 200, { "content-type": METRICS_CONTENT_TYPE }),
);

// Open to anyone, so it names no fleet, and costs one registry request whatever the number of fleets.
reads.openapi(healthRoute, async (c) => {
  const health = await registry(c.env).passHealth();
  const verdict = judgeHealth(health);
  const counts = { fleets: health.tick?.fleets ?? 0, blind: health.tick?.blind ?? 0, lastPassAt: health.tick?.passAt ?? null };
  if (!verdict.ok)
    return c.json(
      { ok: false as const, error: "vast_unobserved", message: verdict.message, lastObservedAt: verdict.lastObservedAt, ...counts },
      503,
    );
  return c.json({ ok: true as const, lastObservedAt: verdict.lastObservedAt, ...counts }, 200);
});

reads.openapi(eventsRoute, async (c) => {
  const { limit, since } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  return c.json({ fleet: name, events: await stub.events(name, limit, since ?? null) } satisfies EventsBody, 200);
});

reads.openapi(statsRoute, async (c) => {
  const { format } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  const stats = await stub.stats(name);
  if (!stats.ok) return fail(c, stats);
  const wantsText = format === "text" || (format === undefined && /\btext\/plain\b/.test(c.req.header("accept") ?? ""));
  return wantsText ? c.text(statsText(stats.value), 200) : c.json(stats.value, 200);
});

reads.openapi(hostsRoute, async (c) => {
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.stats(name), (s): HostsBody => ({ fleet: name, hosts: s.hosts }));
});

reads.openapi(logsRoute, async (c) => {
  const { id } = c.req.valid("param");
  const { tail } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  return answer(c, await stub.logs(name, id, tail), (logs) => ({ fleet: name, ...logs }));
});
