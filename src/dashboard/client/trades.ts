/**
 * Trade-ups as /status shows them: the new instance takes its slot's label while the old one still
 * runs, so two rows share a slot. The newest of a slot is on trial; the others leave once they
 * have uploaded. Pure, so that the headline and the rows say the same thing.
 * @module
 */
import type { FleetStatus } from "./types";

type Instance = FleetStatus["instances"][number];
export type TradeRole = "trial" | "leaving";

export function tradeRoles(instances: readonly Instance[]): Map<number, TradeRole> {
  const bySlot = new Map<number, Instance[]>();
  for (const i of instances) bySlot.set(i.slot, [...(bySlot.get(i.slot) ?? []), i]);
  const roles = new Map<number, TradeRole>();
  for (const group of bySlot.values()) {
    if (group.length < 2) continue;
    // Not started yet counts as newest; ids break ties (Vast's ids grow).
    const started = (i: Instance) => i.startedAt ?? Number.POSITIVE_INFINITY;
    const newest = [...group].sort((a, b) => started(a) - started(b) || a.id - b.id).at(-1);
    for (const i of group) roles.set(i.id, i === newest ? "trial" : "leaving");
  }
  return roles;
}

/** "4 running of target 4, 1 in trial, 1 starting": trials and leavers are not counted as running. */
export function headline(f: Pick<FleetStatus, "instances" | "target">, roles: Map<number, TradeRole>): string {
  let running = 0;
  let trial = 0;
  let starting = 0;
  for (const i of f.instances) {
    const role = roles.get(i.id);
    if (role === "trial") trial++;
    else if (i.phase === "RUNNING") running++;
    else if (role === undefined && (i.phase === "BOOT" || i.phase === "SETUP" || i.phase === "WAIT")) starting++;
  }
  const parts = [`${running} running of target ${f.target ?? "?"}`];
  if (trial) parts.push(`${trial} in trial`);
  if (starting) parts.push(`${starting} starting`);
  return parts.join(", ");
}
