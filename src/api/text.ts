/**
 * `/status?format=text`: the runbook's `vast_status.sh` table for a terminal, with the fleet
 * keeper's extra columns (phase, age, throughput) and the lines that explain why it is idle.
 * @module
 */

import { moneyLine } from "../accounting/views";
import type { FleetStatus, InstanceStatus } from "../fleet/status";
import type { GrandTotals } from "./totals";
import { formatDuration, type TextColumn, textTable } from "../format";

/** `1h02m` from an hour on, `2m05s` below; `-` when unknown. */
export function formatAge(seconds: number | null): string {
  return seconds === null ? "-" : formatDuration(Math.floor(seconds));
}

const num = (x: number | null, digits: number) => (x === null ? "-" : x.toFixed(digits));

// GPU names keep the runbook's underscores so that every column is one shell word.
const COLUMNS: TextColumn<InstanceStatus>[] = [
  { title: "Label", cell: (i) => i.label },
  { title: "GPU", cell: (i) => (i.gpu ?? "-").replace(/ /g, "_") },
  { title: "Phase", cell: (i) => i.phase },
  { title: "Status", cell: (i) => i.status ?? "-" },
  { title: "Age", right: true, cell: (i) => formatAge(i.ageS) },
  { title: "$/hr", right: true, cell: (i) => num(i.dph, 3) },
  // OD on demand, BID interruptible (its bid in the next column).
  { title: "Cap", right: false, cell: (i) => (i.capacity === "interruptible" ? "BID" : "OD") },
  { title: "Bid", right: true, cell: (i) => num(i.bid ?? null, 4) },
  { title: "games/s", right: true, cell: (i) => num(i.gamesPerSec, 1) },
  { title: "batch", right: true, cell: (i) => num(i.batch, 0) },
  { title: "ID", right: true, cell: (i) => String(i.id) },
  // The host, as PUT /hosts/:machineId takes it.
  { title: "Machine", right: true, cell: (i) => (i.machineId === null ? "-" : String(i.machineId)) },
  { title: "SSH", cell: (i) => i.ssh ?? "-" },
];

function table(instances: InstanceStatus[]): string[] {
  return textTable(
    COLUMNS,
    [...instances].sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true })),
  );
}

/** Why a fleet is not doing what its target says, one line per reason. */
function notes(s: FleetStatus): string[] {
  const p = `${s.fleet}:`;
  const last = s.lastPass;
  const pass = last ? `last pass ${formatAge((s.now - last.at) / 1000)} ago, ${last.actions.length} action(s)` : "no pass yet";
  const out = [`${p} target ${s.target ?? "-"}, ${s.totals.running} running, ${pass}`, `${p} ${moneyLine(s.money)}`];
  if (s.paused) out.push(`${p} PAUSED: no autonomous actions (POST /resume?fleet=${s.fleet})`);
  if (s.breaker.open)
    out.push(
      `${p} circuit breaker OPEN since ${s.breaker.since === null ? "?" : new Date(s.breaker.since).toISOString()}: ${s.breaker.reason ?? "no reason recorded"}`,
    );
  if (s.launchHold) out.push(`${p} launches held: ${s.launchHold}`);
  if (s.capacity && s.capacity.configured !== "on-demand")
    out.push(
      `${p} capacity ${s.capacity.configured}${s.capacity.fallback ? `, on demand until ${new Date(s.capacity.fallback.until).toISOString()}: ${s.capacity.fallback.reason}` : ""}`,
    );
  if (s.roll)
    out.push(
      `${p} rolling since ${new Date(s.roll.since).toISOString()}: ${s.roll.remaining} worker(s) started before it left (POST /roll?fleet=${s.fleet}&cancel=1 stops it)`,
    );
  if (s.creditPausedUntil !== null) out.push(`${p} launches paused for low credit until ${new Date(s.creditPausedUntil).toISOString()}`);
  for (const e of s.configErrors) out.push(`${p} config error: ${e}`);
  for (const h of last?.held ?? []) out.push(`${p} held: ${h}`);
  for (const e of last?.errors ?? []) out.push(`${p} last pass error: ${e}`);
  return out;
}

export function statusText(fleets: FleetStatus[], totals: GrandTotals): string {
  const total = `Total: ${totals.instances} instances, $${totals.dph.toFixed(3)}/hr ($${totals.dpd.toFixed(2)}/day)`;
  return `${[...table(fleets.flatMap((f) => f.instances)), total, ...fleets.flatMap(notes)].join("\n")}\n`;
}
