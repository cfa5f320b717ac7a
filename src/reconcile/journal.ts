/**
 * The launch and destroy journal against the listing. Every create and destroy is written to the
 * fleet's state before it is sent (act.ts); each pass then settles the journal with what Vast
 * lists: a launch now listed is no longer pending (else it would count twice), a create whose
 * answer was lost is recognised by its label on the machine it rented, a destroy whose instance is
 * gone is confirmed, and a launch that never appeared within the boot budget is given up.
 * @module
 */

import { type FleetConfig, labelFor } from "../config/fleet";
import { HOUR_MS } from "../format";
import type { Instance } from "../vast/schemas";
import type { Outcome } from "./breaker";
import { forgetHosts } from "./hosts";
import type { FleetState, PendingLaunch } from "./state";

export interface Settled {
  state: FleetState;
  errors: string[];
  /** Launches Vast accepted that never appeared, for the breaker. */
  outcomes: Outcome[];
}

/** The listed instance a create whose answer was lost made: its label, on its machine, not seen before. */
function madeBy(p: PendingLaunch, listed: Instance[], fleet: string, known: FleetState["instances"]): Instance | undefined {
  const label = labelFor(fleet, p.slot);
  return listed.find((i) => i.label === label && i.machine_id === p.machineId && known[String(i.id)] === undefined);
}

export function settle(state: FleetState, listed: Instance[], fleet: string, config: FleetConfig, now: number): Settled {
  const ids = new Set(listed.map((i) => i.id));
  const errors: string[] = [];
  const outcomes: Outcome[] = [];
  const upgrades = [...state.upgrades];
  const pendingLaunches = state.pendingLaunches.filter((p) => {
    if (p.instanceId !== null && ids.has(p.instanceId)) return false;
    const found = p.instanceId === null ? madeBy(p, listed, fleet, state.instances) : undefined;
    if (found) {
      // A trade whose create answer was lost becomes a trial like any other once it is seen.
      if (p.upgradeOf !== null && ids.has(p.upgradeOf))
        upgrades.push({ slot: p.slot, oldId: p.upgradeOf, newId: found.id, startedAt: p.at, reason: p.reason });
      return false;
    }
    if (now - p.at <= config.bootTimeoutS * 1000) return true;
    if (p.instanceId === null) {
      errors.push(`launch for slot ${p.slot} (offer ${p.offerId}) whose answer was lost never appeared in the listing; forgotten`);
    } else {
      errors.push(`launch ${p.instanceId} for slot ${p.slot} never appeared in the listing; forgotten`);
      outcomes.push({ ok: false, signature: "launch never listed" });
    }
    return false;
  });
  return {
    state: {
      ...state,
      pendingLaunches,
      upgrades,
      pendingDestroys: state.pendingDestroys.filter((p) => ids.has(p.instanceId)),
      launches: state.launches.filter((l) => now - l.at < HOUR_MS),
      hosts: forgetHosts(state.hosts, now),
    },
    errors,
    outcomes,
  };
}
