/**
 * The refresh loop: every 10 s, GET /status, then each fleet's history, events, stats (and once its
 * config, for the up form's GPU models), and fill the cards. A hidden tab does not poll.
 * @module
 */
import { api, expired, why } from "./api";
import { renderCharts } from "./charts";
import { renderEvents } from "./events";
import { $, fill, h, stat } from "./dom";
import { renderHead } from "./fleet";
import { num, perDay, perHour } from "./format";
import { type Section, keepOnly, sectionFor } from "./sections";
import { session } from "./session";
import { renderPanels } from "./panels";
import { notice } from "./signin";
import { renderHosts, renderValue } from "./tables";
import { tradeRoles } from "./trades";
import type { FleetStatus, GrandTotals } from "./types";
import { renderWorkers } from "./workers";

const REFRESH_MS = 10_000;
let timer: number | undefined;

export function stopRefresh(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
}

export async function refresh(): Promise<void> {
  stopRefresh();
  if (!session.token) return;
  // A tab nobody looks at would spend the Free plan's Durable Object requests (about five a
  // refresh): it waits, and catches up when shown again.
  if (document.hidden) return;
  try {
    const st = await api("GET /status");
    if (expired(st)) return;
    if (!st.ok) {
      notice(`Could not refresh: ${why(st)}`, true);
      return;
    }
    notice("");
    const fleets = st.body.fleets;
    renderOverview(st.body.totals, fleets);
    keepOnly(fleets.map((f) => f.fleet));
    await Promise.all(fleets.map((f) => renderFleet(sectionFor(f.fleet), f)));
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } finally {
    if (session.token) timer = window.setTimeout(() => void refresh(), REFRESH_MS);
  }
}

async function renderFleet(s: Section, f: FleetStatus): Promise<void> {
  const roles = tradeRoles(f.instances);
  renderHead(s, f, roles);
  renderPanels(s, f);
  renderWorkers(s, f, roles);
  const [history, events, stats, config] = await Promise.all([
    api("GET /history", { fleet: f.fleet, window: s.chartWindow }),
    api("GET /events", { fleet: f.fleet, limit: s.eventsLimit }),
    api("GET /stats", { fleet: f.fleet }),
    s.gpus ? null : api("GET /fleets/{fleet}", { fleet: f.fleet }),
  ]);
  if (history.ok) renderCharts(s, history.body);
  if (events.ok) renderEvents(s, events.body.events, f.now);
  if (stats.ok) {
    renderValue(s, stats.body, f);
    renderHosts(s, stats.body.hosts, f.now);
  }
  if (config?.ok && config.body.config) setGpus(s, config.body.config.gpus);
}

/** All fleets together; with one fleet its own card says it all. */
function renderOverview(t: GrandTotals, fleets: FleetStatus[]): void {
  const target = fleets.reduce((a, f) => a + (f.target ?? 0), 0);
  const overview = $("overview");
  overview.hidden = fleets.length < 2;
  fill(
    overview,
    h("h2", { text: `All ${fleets.length} fleets` }),
    h(
      "div",
      { class: "stats" },
      stat(`${t.running} running of target ${target}`, `${t.instances} instance(s) billed`, undefined, true),
      stat(perHour(t.dph), "spending now"),
      stat(perDay(t.dpd), "at this rate"),
      stat(num(t.gamesPerSec, 1), "games / s"),
    ),
  );
}

function setGpus(s: Section, gpus: string[]): void {
  s.gpus = gpus;
  fill(
    s.gpu,
    h("option", { value: "", text: "any GPU" }),
    gpus.map((g) => h("option", { value: g, text: g })),
  );
}
