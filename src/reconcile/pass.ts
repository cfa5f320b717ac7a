/**
 * One reconcile pass: observe → classify → learn → plan → act → record. The imperative shell
 * around the pure core: all I/O arrives through `deps`, and `now` is given, so the simulator can
 * drive hours of passes in seconds. Every decision is made in a pure module: classify.ts,
 * learn.ts, plan/, breaker.ts, journal.ts.
 * @module
 */

import type { FleetConfig } from "../config/fleet";
import { slotOf } from "../config/fleet";
import { sha256Hex } from "../format";
import { SEARCH_ROW_CAP, type VastClient } from "../vast/client";
import type { Pacer } from "../vast/pacing";
import type { Instance, Offer, OfferQuery } from "../vast/schemas";
import { act } from "./act";
import { failureSignature, largestSameFailure, nextBreaker, type Outcome } from "./breaker";
import { learnDuds, watchRentals } from "./duds/watch";
import { settle } from "./journal";
import { learnInterruptions, learnTakes } from "./interruptions";
import { learnBounces, learnFromDestroys, learnThroughput, ownMachines, type Finding } from "./learn";
import { errorText, type FirstSeen, observeWorkers } from "./observe";
import { offerQuery, strikesOf } from "./offers";
import {
  capacityNow,
  heldOnDemand,
  hfRefusesHost,
  hfTokenVoucher,
  nextFallback,
  plan,
  settleBids,
  type DestroyAction,
  type PlanInput,
} from "./plan";
import { emptyReport, record, view, type PassReport } from "./report";
import { rollFinished } from "./roll";
import { adoptBlocks, type SharedBlock } from "./shared-hosts";
import type { FleetState } from "./state";

export interface PassDeps {
  vast: VastClient;
  firstSeen: FirstSeen;
  hfToken: string;
  now: number;
  /** Stores the state before each side effect; throws when the pass lost the fleet's lease (act.ts). */
  journal: (state: FleetState) => void;
  /** Requests `vast` has sent so far (retries and log polls included): each is a Worker subrequest. */
  vastRequests: () => number;
  /** The account's shared host blocks (src/reconcile/shared-hosts.ts), read only by a pass about to rent. */
  sharedBlocks?: () => Promise<SharedBlock[]>;
  /** The waits between creates and between destroys (src/vast/pacing.ts); act.ts's default when absent. */
  pacer?: Pacer;
}

export interface PassOptions {
  dryRun?: boolean;
  /** Launches of this pass only on this GPU model (`/up?gpu=`). */
  gpu?: string | null;
  /** The original scripts' "cheapest offer" policy, for the benchmark's comparison. */
  policy?: "value" | "cheapest";
  /** An instance of the fleet to destroy and replace in this pass (`POST /instances/:id/replace`). */
  replace?: number | null;
  /** `POST /down`: every instance of the fleet destroyed now, nothing launched. */
  down?: boolean;
}

export interface PassOutcome {
  state: FleetState;
  report: PassReport;
  /** Host-level blocks this pass found, for the account's other fleets. */
  share: SharedBlock[];
}

export async function runPass(
  fleet: string,
  config: FleetConfig,
  state: FleetState,
  deps: PassDeps,
  opts: PassOptions = {},
): Promise<PassOutcome> {
  const { vast, now } = deps;
  const kv = () => deps.firstSeen.ops.reads + deps.firstSeen.ops.writes;
  const before = deps.vastRequests() + kv();
  let registryCalls = 0;
  const report = emptyReport(fleet, now, opts.dryRun ?? false);
  const done = (outcome: Omit<PassOutcome, "report">): PassOutcome => {
    report.subrequests = deps.vastRequests() + kv() + registryCalls - before;
    return { ...outcome, report };
  };

  // Observe. Cannot see is not unhealthy: a failed listing ends the pass with nothing done.
  let listed: Instance[];
  try {
    listed = await vast.listInstances();
  } catch (e) {
    report.errors.push(`cannot list instances (${errorText(e)}): no launch and no destroy this pass`);
    return done({ state, share: [] });
  }
  report.observed = true;
  const settled = settle(state, listed, fleet, config, now);
  state = settled.state;
  report.errors.push(...settled.errors);
  const token = await sha256Hex(deps.hfToken, 6);
  if (state.hfToken?.fingerprint !== token) state = { ...state, hfToken: { fingerprint: token, since: state.hfToken ? now : 0 } };
  const owned = listed.flatMap((instance) => {
    const slot = slotOf(fleet, instance.label);
    return slot === null ? [] : [{ instance, slot }];
  });
  if (
    rollFinished(
      state,
      owned.map((o) => o.instance),
    )
  )
    state = { ...state, rollBefore: null };
  report.dph = owned.reduce((s, o) => s + (o.instance.dph_total ?? 0), 0);

  // Classify.
  const seen = await observeWorkers(owned, state, config, { vast, firstSeen: deps.firstSeen, now });
  const { workers } = seen;
  report.errors.push(...seen.errors);
  report.phaseChanges = seen.phaseChanges;
  report.firstRunning = seen.firstRunning;
  report.workers = workers.map((w) => view(w, seen.memories[String(w.instance.id)]!, state.bids[String(w.instance.id)]?.price ?? null));
  // Interruption too frequent: launches go on demand for a while (plan/bids.ts).
  state = { ...state, capacityFallback: nextFallback(config, state, now) };

  // The breaker judges what this pass observed before it plans, so that a pass that sees several
  // hosts fail the same way does not relaunch into the same fault. A container that exited on an
  // error counts with the FATAL ones: a broken image mostly kills its worker.
  const failing = workers.filter((w) => w.phase === "FATAL" || (w.phase === "DEAD" && w.fatalKind !== null));
  const fatalCount = largestSameFailure(failing.map((w) => failureSignature(w.fatalKind, w.detail)));
  const outcomes: Outcome[] = [...settled.outcomes, ...seen.firstRunning.map((): Outcome => ({ ok: true }))];
  state = { ...state, breaker: nextBreaker(state.breaker, { ownedCount: workers.length, fatalCount, outcomes }, config, now) };

  // Plan what must go, then learn from it before choosing what to rent.
  const input: PlanInput = {
    fleet,
    config,
    state,
    now,
    workers,
    offers: null,
    gpu: opts.gpu ?? null,
    policy: opts.policy ?? "value",
    replace: opts.replace ?? null,
    down: opts.down ?? false,
    hfTokenSet: deps.hfToken !== "",
  };
  let decided = plan(input);
  const voucher = hfTokenVoucher(workers, state, config, now);
  const destroys = decided.actions.filter((a): a is DestroyAction => a.kind === "destroy");
  const lessons = learnFromDestroys(state, destroys, {
    workers,
    now,
    blameHosts: !state.breaker.open,
    refusedByHf: new Set(workers.filter((w) => hfRefusesHost(w, voucher, config, now)).map((w) => w.instance.id)),
  });
  // The dud model learns how its watched launches ended: a first batch, a failure that blames the host, or neither.
  const dudLesson = learnDuds(
    lessons.state.dudModel,
    lessons.state.dudWatch,
    {
      ran: workers.flatMap((w) =>
        seen.firstRunning.includes(w.instance.id) && w.instance.machine_id !== null ? [w.instance.machine_id] : [],
      ),
      duds: lessons.duds,
      gone: destroys.flatMap((d) => (d.machineId === null ? [] : [d.machineId])),
    },
    now,
  );
  state = {
    ...lessons.state,
    dudModel: dudLesson.model,
    dudWatch: dudLesson.watch,
    breaker: nextBreaker(lessons.state.breaker, { ownedCount: workers.length, fatalCount: 0, outcomes: lessons.outcomes }, config, now),
  };
  const findings: Finding[] = [...lessons.share];
  let scanned = false;
  // What this pass's rentals were chosen from, for the dud model's record of them.
  let searched: { onDemand: Offer[]; bids: Offer[] } = { onDemand: [], bids: [] };
  // The bid search, when one ran: outbid workers whose machine it does not list were taken on demand.
  let bidListing: { offers: Offer[]; query: OfferQuery } | null = null;
  if (decided.wantsOffers) {
    if (deps.sharedBlocks) {
      try {
        registryCalls++;
        state = adoptBlocks(state, await deps.sharedBlocks(), fleet, now);
      } catch (e) {
        // Without them the fleet only knows its own bad hosts, as before sharing existed.
        report.errors.push(`shared host blocks unreadable (${errorText(e)})`);
      }
    }
    try {
      const query = offerQuery(config, state.vramFloorMb, opts.gpu ?? null);
      const mode = capacityNow(config, state, now);
      const offers: Offer[] = mode === "interruptible" ? [] : await vast.searchOffers(query);
      // Bid offers: for bid launches, and for an outbid worker's machine (its min_bid says what wins it back).
      // A failed bid search only blinds the bid decisions (null): the on-demand launches go on.
      let bidOffers: Offer[] | null = null;
      if (mode !== "on-demand" || workers.some((w) => w.phase === "OUTBID")) {
        try {
          bidOffers = await vast.searchOffers({ ...query, type: "bid", includeRented: true });
          bidListing = { offers: bidOffers, query };
          // Only the fleet's own complete search ranks the market as renters see it.
          if (!opts.gpu && bidOffers.length < SEARCH_ROW_CAP)
            state = learnTakes(state, bidOffers, ownMachines(listed, state), { config, state, now, fleetDph: 0 }, now);
        } catch (e) {
          report.errors.push(`bid offer search failed (${errorText(e)}): no bid launches or raises this pass`);
        }
      }
      scanned = true;
      searched = { onDemand: offers, bids: bidOffers ?? [] };
      // Only the fleet's own search says what the market lists; `/up?gpu=` looks at one model.
      // A bid-only pass whose bid search failed saw no market: nothing left it.
      if (!opts.gpu && config.bounceWindowS > 0 && !(mode === "interruptible" && bidOffers === null)) {
        // A search that filled its rows may have been cut: an absent machine may be past the last row.
        // A bid-only pass watches the market through its bid search (the same listed machines).
        const watched = mode === "interruptible" && bidOffers !== null ? bidOffers : offers;
        const market = learnBounces(state, watched, listed, config, now, watched.length < SEARCH_ROW_CAP);
        state = market.state;
        findings.push(...market.share);
      }
      decided = plan({ ...input, state, offers, bidOffers });
    } catch (e) {
      report.errors.push(`offer search failed (${errorText(e)}): no launches this pass`);
      decided = plan({ ...input, state });
    }
  } else decided = plan({ ...input, state });
  report.held = decided.held;

  if (opts.dryRun) {
    report.actions = decided.actions.map(record);
    return done({ state, share: [] });
  }

  // Act, journaled, then remember.
  const acted = await act(
    decided.actions,
    { ...state, instances: seen.memories, lastMarketScanAt: scanned ? now : state.lastMarketScanAt },
    config,
    { vast, hfToken: deps.hfToken, now, journal: deps.journal, pacer: deps.pacer },
  );
  report.actions = acted.actions;
  report.held.push(...acted.held);
  report.errors.push(...acted.errors);
  let next = acted.state;
  const rented = next.pendingLaunches.filter((p) => p.at === now);
  const strikes = (m: number) => strikesOf(next, m, now);
  const onDemand = rented.filter((p) => p.bid == null);
  const onBids = rented.filter((p) => p.bid != null);
  next = {
    ...next,
    dudWatch: watchRentals(watchRentals(next.dudWatch, onDemand, searched.onDemand, strikes, now), onBids, searched.bids, strikes, now),
  };

  // Upgrades whose old or new instance is gone are over (done, failed, or taken away by Vast).
  const present = new Set([
    ...workers.map((w) => w.instance.id),
    ...next.pendingLaunches.flatMap((p) => (p.instanceId === null ? [] : [p.instanceId])),
  ]);
  const destroyed = new Set(acted.actions.filter((a) => a.kind === "destroy" && a.ok).map((a) => a.instanceId));
  const over = (u: FleetState["upgrades"][number]) =>
    !present.has(u.newId) || !present.has(u.oldId) || destroyed.has(u.newId) || destroyed.has(u.oldId);
  const slotCooldowns = { ...next.slotCooldowns };
  for (const u of next.upgrades.filter(over)) slotCooldowns[String(u.slot)] = now;
  // The ledger keeps only the uploaders still there (listed, or launched and not yet listed).
  const uploadIntervals = Object.fromEntries(Object.entries(next.uploadIntervals).filter(([id]) => present.has(Number(id))));
  const bids = settleBids(Object.fromEntries(Object.entries(next.bids).filter(([id]) => present.has(Number(id)))), workers);
  next = { ...next, upgrades: next.upgrades.filter((u) => !over(u)), slotCooldowns, uploadIntervals, bids };

  let hfAuthHold = next.hfAuthHold && next.hfAuthHold.token !== token ? null : next.hfAuthHold;
  if (voucher) hfAuthHold = null;
  else if (workers.some((w) => w.hfAuthError)) hfAuthHold ??= { since: now, token };
  const takenOnDemand = new Set(
    workers.filter((w) => bidListing !== null && heldOnDemand(w, bidListing.offers, bidListing.query)).map((w) => w.instance.id),
  );
  next = learnInterruptions(learnThroughput({ ...next, hfAuthHold }, workers, state, now), workers, state, now, takenOnDemand);
  next = {
    ...next,
    breaker: nextBreaker(next.breaker, { ownedCount: workers.length, fatalCount: 0, outcomes: acted.outcomes }, config, now),
  };
  return done({ state: next, share: findings.map((f) => ({ ...f, fleet })) });
}
