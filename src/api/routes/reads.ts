import type { EventsBody, HostsBody, StatusBody } from "../../dashboard/api-types";
import { fleetNames } from "../../fleet/registry";
import { lookupFleet, statusesOf } from "../fleet";
import { newApi } from "../hono";
import { answer, fail } from "../respond";
import { statsText } from "../../fleet/stats";
import { eventsRoute, healthRoute, hostsRoute, logsRoute, statsRoute, statusRoute } from "../schemas";
import { statusText } from "../text";
import { grandTotals } from "../totals";

/** A pass runs every minute; five missed ones mean the cron or the fleet object is stuck. */
export const HEALTHY_WITHIN_MS = 5 * 60_000;

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

reads.openapi(healthRoute, async (c) => {
  const fleets = await statusesOf(c.env, await fleetNames(c.env));
  // Each fleet is judged by the clock its own pass used (the simulator's, in tests and demos).
  const late = fleets.filter((s) => s.lastPass === null || s.now - s.lastPass.at > HEALTHY_WITHIN_MS);
  if (late.length > 0) {
    const why = late.map((s) => (s.lastPass === null ? `${s.fleet} has never run a pass` : `${s.fleet} last ran a pass ${Math.round((s.now - s.lastPass.at) / 1000)}s ago`));
    return c.json({ ok: false, error: "passes_late", message: `${why.join("; ")} (limit ${HEALTHY_WITHIN_MS / 1000}s)`, late: late.map((s) => s.fleet) }, 503);
  }
  const lastPassAt = Math.min(...fleets.map((s) => s.lastPass?.at ?? 0));
  return c.json({ ok: true, lastPassAt }, 200);
});

reads.openapi(eventsRoute, async (c) => {
  const { fleet, limit, since } = c.req.valid("query");
  const found = await lookupFleet(c.env, fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  return c.json({ fleet: name, events: await stub.events(name, limit, since ?? null) } satisfies EventsBody, 200);
});

reads.openapi(statsRoute, async (c) => {
  const { fleet, format } = c.req.valid("query");
  const found = await lookupFleet(c.env, fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  const stats = await stub.stats(name);
  if (!stats.ok) return fail(c, stats);
  const wantsText = format === "text" || (format === undefined && /\btext\/plain\b/.test(c.req.header("accept") ?? ""));
  return wantsText ? c.text(statsText(stats.value), 200) : c.json(stats.value, 200);
});

reads.openapi(hostsRoute, async (c) => {
  const { fleet } = c.req.valid("query");
  const found = await lookupFleet(c.env, fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  return answer(c, await stub.stats(name), (s): HostsBody => ({ fleet: name, hosts: s.hosts }));
});

reads.openapi(logsRoute, async (c) => {
  const { id } = c.req.valid("param");
  const { fleet, tail } = c.req.valid("query");
  const found = await lookupFleet(c.env, fleet);
  if (!found.ok) return fail(c, found);
  const { name, stub } = found.value;
  return answer(c, await stub.logs(name, id, tail), (logs) => ({ fleet: name, ...logs }));
});
