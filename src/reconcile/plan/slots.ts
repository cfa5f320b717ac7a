/**
 * One worker per slot, as many slots as the target: extra instances sharing a label go, the worst
 * workers leave when the fleet is above target (within the disruption budget), and the lowest free
 * slots are filled when it is below.
 * @module
 */

import { uploadIntervalOf } from "../uploads";
import { awaitsUpload } from "./drain";
import { workerValue } from "./trades";
import { destroyOf, type Going, PROGRESS, type PlanInput, type Worker } from "./types";

/** Extra instances sharing a label (a late create, a manual launch) go; the most advanced stays. */
export function planDuplicates(input: PlanInput, going: Going): void {
  const trial = new Set(input.state.upgrades.flatMap((u) => [u.oldId, u.newId]));
  const bySlot = new Map<number, Worker[]>();
  for (const w of input.workers) {
    if (going.has(w.instance.id) || trial.has(w.instance.id)) continue;
    bySlot.set(w.slot, [...(bySlot.get(w.slot) ?? []), w]);
  }
  for (const group of bySlot.values()) {
    if (group.length < 2) continue;
    const [keep, ...extra] = [...group].sort(
      // The oldest of equals stays: it has the longest record, and the newest is the likelier accident.
      (a, b) =>
        PROGRESS[b.phase] - PROGRESS[a.phase] ||
        (a.instance.start_date ?? 0) - (b.instance.start_date ?? 0) ||
        a.instance.id - b.instance.id,
    );
    for (const w of extra) going.add(destroyOf(w, "duplicate", `duplicate of ${keep!.instance.id} in slot ${w.slot}`));
  }
}

export interface Count {
  /** Workers and launches that count toward the target after this plan's destroys. */
  count: number;
  /** Healthy workers above target that leave after their upload (not destroyed yet, not traded either). */
  leaving: Set<number>;
  held: string[];
}

/**
 * Above target, the worst leave first: unhealthy, then not yet running, then the lowest value. An
 * upgrade's new instance is surplus only while the instance it replaces stays, and leaves with it.
 * Only listed workers are weighed: a launch not yet listed cannot be destroyed, and counting it
 * would destroy running workers in its place; once listed it is the worst (BOOT) and leaves first.
 */
export function planScaleDown(input: PlanInput, going: Going, take: (w: Worker) => boolean): Count {
  const { config, state } = input;
  const held: string[] = [];
  const alive = input.workers.filter((w) => !going.has(w.instance.id));
  const aliveIds = new Set(alive.map((w) => w.instance.id));
  const upgradeByNew = new Map(state.upgrades.map((u) => [u.newId, u]));
  const upgradeByOld = new Map(state.upgrades.map((u) => [u.oldId, u]));
  const surplus = (id: number) => {
    const u = upgradeByNew.get(id);
    return u !== undefined && aliveIds.has(u.oldId);
  };
  let count = alive.filter((w) => !surplus(w.instance.id)).length;
  const leaving = new Set<number>();
  if (count > config.workers) {
    const order = alive
      .filter((w) => !surplus(w.instance.id))
      .sort((a, b) => PROGRESS[a.phase] - PROGRESS[b.phase] || workerValue(a, input) - workerValue(b, input) || b.slot - a.slot);
    for (const w of order) {
      if (count <= config.workers) break;
      if (awaitsUpload(w, uploadIntervalOf(config, input.state, w.instance.id))) {
        leaving.add(w.instance.id);
        held.push(`${w.label} leaves after its upload (above target ${config.workers})`);
      } else if (take(w)) going.add(destroyOf(w, "scale_down", `above target ${config.workers}`));
      else {
        held.push(
          `above target ${config.workers}: at most ${config.maxDisruptionsPerPass} running worker(s) taken away per pass (ZEB_MAX_DISRUPTIONS_PER_PASS)`,
        );
        break;
      }
      count--;
      // Its upgrade goes with it: once the old worker leaves, the replacement would stop being
      // surplus and take the slot, putting the fleet above target again.
      const u = upgradeByOld.get(w.instance.id);
      const fresh = u === undefined ? undefined : alive.find((x) => x.instance.id === u.newId);
      if (fresh) going.add(destroyOf(fresh, "scale_down", `upgrade of ${w.instance.id} cancelled: above target ${config.workers}`));
    }
  }
  // Launches not yet listed count toward the target, except a trial whose old worker stays.
  const listed = new Set(input.workers.map((w) => w.instance.id));
  const pending = state.pendingLaunches.filter(
    (p) => (p.instanceId === null || !listed.has(p.instanceId)) && (p.upgradeOf === null || !aliveIds.has(p.upgradeOf)),
  );
  return { count: count + pending.length, leaving, held };
}

/** The lowest free slots, as many as the fleet is below target. */
export function emptySlots(input: PlanInput, going: Going, count: number): number[] {
  const taken = new Set([
    ...input.workers.filter((w) => !going.has(w.instance.id)).map((w) => w.slot),
    ...input.state.pendingLaunches.map((p) => p.slot),
  ]);
  const wanted: number[] = [];
  for (let slot = 0; wanted.length < input.config.workers - count; slot++) if (!taken.has(slot)) wanted.push(slot);
  return wanted;
}
