/**
 * The fleet's lease: at most one pass acts at a time. Inside one object an in-memory queue orders
 * passes; the stored lease with its fencing token covers what memory cannot: a pass of a crashed
 * incarnation (its lease expires, or is taken over at once by the next incarnation) and a stale
 * pass that must not act after another took over (every side effect checks the fence first).
 * Lease times are wall-clock (Date.now()), never the simulator's clock: they guard real processes.
 *
 * A Durable Object has one live incarnation, so a lease held by an earlier incarnation belongs to a
 * pass that died with it (eviction, deploy, crash): it is taken over at once rather than waited out.
 * @module
 */

import { z } from "zod";
import type { FleetStore } from "./store";

export const LEASE_TTL_MS = 5 * 60_000;

export const Lease = z.object({ fence: z.number().int(), holder: z.string(), expiresAt: z.number() });
export type Lease = z.infer<typeof Lease>;

export class StaleFence extends Error {
  override readonly name = "StaleFence";
}

export class LeaseManager {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly store: FleetStore,
    /** Unique per object incarnation: a lease held by an older incarnation belongs to a dead pass. */
    private readonly incarnation: string,
  ) {}

  /** Passes queued or running in this incarnation. */
  get busy(): boolean {
    return this.waiting > 0;
  }

  /**
   * Runs `work` holding the lease, after the passes queued before it. Answers null, without
   * running, when the lease could not be had within `waitMs` (the API turns that into 409).
   */
  async run<T>(waitMs: number, work: (fence: Fence) => Promise<T>): Promise<T | null> {
    this.waiting++;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    try {
      const ready = await Promise.race([previous.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), waitMs))]);
      if (!ready) {
        // Hand our place to whoever follows only after the one ahead of us is done.
        previous.then(release, release);
        return null;
      }
      const fence = this.acquire(Date.now());
      if (!fence) {
        release();
        return null;
      }
      try {
        return await work(fence);
      } finally {
        this.release(fence);
        release();
      }
    } finally {
      this.waiting--;
    }
  }

  private acquire(now: number): Fence | null {
    const held = this.store.get("lease", Lease);
    if (held && held.holder === this.incarnation && held.expiresAt > now) return null;
    const fence = (held?.fence ?? 0) + 1;
    const lease: Lease = { fence, holder: this.incarnation, expiresAt: now + LEASE_TTL_MS };
    this.store.put("lease", lease);
    return new Fence(this.store, lease);
  }

  private release(fence: Fence): void {
    const held = this.store.get("lease", Lease);
    if (held && held.fence === fence.value) this.store.put("lease", { ...held, expiresAt: 0 });
  }
}

export class Fence {
  constructor(
    private readonly store: FleetStore,
    private readonly lease: Lease,
  ) {}

  get value(): number {
    return this.lease.fence;
  }

  /**
   * Throws StaleFence unless this pass still holds the lease, and renews it: a pass that is still
   * working (every side effect checks first) never outlives its own lease, however slow Vast is.
   * Only another holder makes a fence stale: any takeover writes a higher fence, so a lease that
   * merely ran out while its pass observed a slow Vast is still this pass's.
   */
  check(): void {
    const now = Date.now();
    const held = this.store.get("lease", Lease);
    if (!held || held.fence !== this.lease.fence || held.holder !== this.lease.holder) {
      throw new StaleFence(`fence ${this.lease.fence} is stale; another pass holds the lease`);
    }
    // Renewed once half of it is spent: a row written every few minutes, not one per call.
    if (held.expiresAt - now < LEASE_TTL_MS / 2) this.store.put("lease", { ...held, expiresAt: now + LEASE_TTL_MS });
  }
}
