/**
 * One Durable Object per fleet: a thin RPC surface over the fleet's lease. Every method that
 * changes anything runs under the lease (`leased`), so no two passes or API actions of one fleet
 * ever act at once, and a deleted fleet (tombstoned) never acts again. What each does is in
 * runner.ts (passes, state, events) and ops/ (the operator's actions).
 * @module
 */

import { DurableObject } from "cloudflare:workers";
import { alertsView, WATCHDOG_MS, watchdogStep } from "../alerts/run";
import { type FleetConfig, slotOf, validateConfig } from "../config/fleet";
import type { Env } from "../env";
import { HealthDoc } from "../health/hf";
import type { BlockScope } from "../reconcile/hosts";
import type { PassOptions } from "../reconcile/pass";
import type { PassReport } from "../reconcile/report";
import type { FleetState } from "../reconcile/state";
import { redact } from "../redact";
import { clientFor } from "../vast/transport";
import { FleetHistory, type HistoryPoint, type HistoryWindow } from "./history";
import { type Fence, LeaseManager } from "./lease";
import { type Blocked, blockHost, clearHost } from "./ops/hosts";
import { down, type DownResult, scale, setPaused, up } from "./ops/target";
import { replace, roll, type Rolled } from "./ops/workers";
import { busy, invalid, type RpcResult, unknownFleet, vastUnavailable } from "./rpc";
import { ConfigOverrides, FleetRunner, LastPass } from "./runner";
import { fleetStats, type FleetStats } from "./stats";
import { fleetStatus, type FleetStatus, StateDamage } from "./status";
import { FleetStore, type FleetEvent } from "./store";
import { meteredSql, newUsage } from "./usage";
import type { Instance } from "../vast/schemas";

export type { DownResult };

/** How long an API call waits for a running pass before answering 409. */
export const API_LEASE_WAIT_MS = 10_000;

/** Written when the fleet is deleted, before anything else is forgotten: no pass or action runs after it. */
const TOMBSTONE = "tombstone";

export class FleetObject extends DurableObject<Env> {
  private readonly lease: LeaseManager;
  private readonly run: FleetRunner;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const usage = newUsage(Date.now());
    const sql = meteredSql(ctx.storage.sql, usage);
    const store = new FleetStore(sql);
    this.lease = new LeaseManager(store, crypto.randomUUID());
    this.run = new FleetRunner(env, store, new FleetHistory(sql), usage);
  }

  /** The runner, bound to the fleet this call is for. */
  private bound(fleet: string): FleetRunner {
    this.run.fleet = fleet;
    return this.run;
  }

  /**
   * Runs `work` under the fleet's lease, unless the fleet was deleted: the existence check made
   * before the call (outside the lease) may be stale by the time the lease is had.
   */
  private async leased<T>(
    fleet: string,
    work: (r: FleetRunner, fence: Fence) => Promise<RpcResult<T>>,
    waitMs = API_LEASE_WAIT_MS,
  ): Promise<RpcResult<T>> {
    const r = this.bound(fleet);
    const result = await this.lease.run(waitMs, (fence) =>
      r.store.has(TOMBSTONE) ? Promise.resolve(unknownFleet<T>(fleet)) : work(r, fence),
    );
    return result ?? busy();
  }

  private passing(fleet: string, options: PassOptions, waitMs?: number): Promise<RpcResult<PassReport>> {
    return this.leased(fleet, async (r, fence) => ({ ok: true, value: await r.pass(options, fence) }), waitMs);
  }

  // --- config ---------------------------------------------------------------------------------

  async getConfig(fleet: string): Promise<RpcResult<{ config: FleetConfig | null; errors: string[]; overrides: Partial<FleetConfig> }>> {
    const r = this.bound(fleet);
    const c = r.config();
    // Overrides are only ever written validated (putConfig, setOverrides); typed so that RPC callers see them (`unknown` is not RPC-serializable).
    const overrides: Partial<FleetConfig> = r.store.get("overrides", ConfigOverrides) ?? {};
    return { ok: true, value: c.ok ? { config: c.config, errors: [], overrides } : { config: null, errors: c.errors, overrides } };
  }

  /** Replaces the fleet's config with a whole, validated document; creates (or re-creates) the fleet. */
  async putConfig(fleet: string, body: unknown): Promise<RpcResult<FleetConfig>> {
    const r = this.bound(fleet);
    const parsed = validateConfig(body);
    if (!parsed.ok) return invalid(parsed.errors.join("; "));
    const result = await this.lease.run(API_LEASE_WAIT_MS, async () => {
      r.store.delete(TOMBSTONE);
      r.store.put("overrides", parsed.config);
      await r.event({ action: "config", reason: "config replaced through the API", ok: true });
      return parsed.config;
    });
    return result === null ? busy() : { ok: true, value: result };
  }

  // --- passes and actions -----------------------------------------------------------------------

  /** The cron's entry: one pass if none is running (a busy fleet skips the tick; the next one catches up). */
  async tick(fleet: string): Promise<{ ran: boolean; report: PassReport | null }> {
    const result = await this.passing(fleet, {}, 0);
    const report = result.ok ? result.value : null;
    if (report?.observed) await this.armWatchdog();
    return { ran: report !== null, report };
  }

  /** `POST /reconcile[?dry_run=1]`. */
  async reconcile(fleet: string, dryRun: boolean): Promise<RpcResult<PassReport>> {
    return this.passing(fleet, { dryRun });
  }

  async scale(fleet: string, n: number): Promise<RpcResult<PassReport>> {
    return this.leased(fleet, (r, fence) => scale(r, fence, n));
  }

  async up(fleet: string, n: number, gpu: string | null): Promise<RpcResult<{ added: number; report: PassReport }>> {
    return this.leased(fleet, (r, fence) => up(r, fence, n, gpu));
  }

  async down(fleet: string, confirm: boolean): Promise<RpcResult<DownResult>> {
    return this.leased(fleet, (r, fence) => down(r, fence, confirm));
  }

  async setPaused(fleet: string, paused: boolean): Promise<RpcResult<{ paused: boolean }>> {
    return this.leased(fleet, (r) => setPaused(r, paused));
  }

  async replace(fleet: string, id: number): Promise<RpcResult<{ replaced: number; report: PassReport }>> {
    return this.leased(fleet, (r, fence) => replace(r, fence, id));
  }

  async roll(fleet: string, cancel: boolean): Promise<RpcResult<Rolled>> {
    return this.leased(fleet, (r, fence) => roll(r, fence, cancel));
  }

  async clearHost(fleet: string, machineId: number): Promise<RpcResult<{ cleared: number }>> {
    return this.leased(fleet, (r) => clearHost(r, machineId));
  }

  async blockHost(fleet: string, machineId: number, reason: string, scope: BlockScope): Promise<RpcResult<Blocked>> {
    return this.leased(fleet, (r) => blockHost(r, machineId, reason, scope));
  }

  /**
   * Deletes the fleet: only one that owns nothing on Vast (checked under the lease, against the
   * listing and the launch journal), and tombstoned first, so that no pass, API action or cron tick
   * queued behind this runs for it. The caller then removes it from the registry.
   */
  async destroyFleet(fleet: string): Promise<RpcResult<{ deleted: string }>> {
    return this.leased(fleet, async (r) => {
      let listed: Instance[];
      try {
        listed = await clientFor(this.env).listInstances();
      } catch (e) {
        return vastUnavailable(`cannot list instances, fleet ${fleet} kept: ${redact(String(e), this.env)}`);
      }
      const owned = listed.filter((i) => slotOf(fleet, i.label) !== null);
      if (owned.length > 0) {
        return {
          ok: false,
          status: 409,
          error: "fleet_not_empty",
          message: `fleet ${fleet} still has ${owned.length} instance(s); POST /down?fleet=${fleet}&confirm=${fleet} first`,
        };
      }
      const pending = r.state(await r.now()).pendingLaunches.length;
      if (pending > 0) {
        return {
          ok: false,
          status: 409,
          error: "fleet_not_empty",
          message: `fleet ${fleet} has ${pending} launch(es) Vast does not list yet; they may still appear: retry in a few minutes`,
        };
      }
      r.store.clear();
      r.store.put(TOMBSTONE, { at: Date.now() });
      r.samples.clear();
      r.forgetCaches();
      return { ok: true, value: { deleted: fleet } };
    });
  }

  /** The watchdog: re-armed by every successful cron pass, so it only fires when passes stopped. */
  override async alarm(): Promise<void> {
    const r = this.run;
    if (r.store.has(TOMBSTONE)) return;
    const lastPass = r.store.get("lastPass", LastPass);
    const armed = await watchdogStep({ store: r.store, env: this.env }, await r.now(), lastPass?.errors ?? []).catch(() => true);
    if (armed) await this.armWatchdog();
  }

  /** Alarms are billed as a row written each. */
  private async armWatchdog(): Promise<void> {
    this.run.usage.rowsWritten++;
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
  }

  // --- reads ----------------------------------------------------------------------------------

  async status(fleet: string): Promise<FleetStatus> {
    const r = this.bound(fleet);
    const now = await r.now();
    const c = r.config();
    return fleetStatus({
      fleet,
      now,
      config: c.ok ? c.config : null,
      configErrors: c.ok ? [] : c.errors,
      state: r.state(now),
      stateDamage: r.store.get("stateDamage", StateDamage),
      lastPass: r.store.get("lastPass", LastPass),
      alerts: alertsView(r.store),
      usage: { ...r.usage },
      health: r.store.get("health", HealthDoc),
    });
  }

  /** `GET /history`: the last 24 hours in 5-minute buckets, or 7 days in hourly ones, oldest first. */
  async history(fleet: string, window: HistoryWindow = "24h"): Promise<{ now: number; points: HistoryPoint[] }> {
    const r = this.bound(fleet);
    const now = await r.now();
    return { now, points: r.samples.points(now, window) };
  }

  /** What the fleet has learned: throughput per GPU model and per host, and host reputation. */
  async stats(fleet: string): Promise<RpcResult<FleetStats>> {
    const r = this.bound(fleet);
    const c = r.config();
    if (!c.ok) return invalid(`the fleet's config is invalid: ${c.errors.join("; ")}`);
    const now = await r.now();
    return { ok: true, value: fleetStats(fleet, c.config, r.state(now), now) };
  }

  /** What the fleet's choice of offers reads besides its config (`GET /preflight`); changes nothing. */
  async offerContext(fleet: string): Promise<{ now: number; state: Pick<FleetState, "gpuStats" | "hosts" | "vramFloorMb"> }> {
    const r = this.bound(fleet);
    const now = await r.now();
    const { gpuStats, hosts, vramFloorMb } = r.state(now);
    return { now, state: { gpuStats, hosts, vramFloorMb } };
  }

  async events(fleet: string, limit: number, since: number | null): Promise<FleetEvent[]> {
    return this.bound(fleet).store.events(limit, since);
  }

  /** An owned instance's logs, redacted. */
  async logs(fleet: string, id: number, tail: number): Promise<RpcResult<{ id: number; label: string; text: string | null }>> {
    this.bound(fleet);
    const vast = clientFor(this.env);
    try {
      const instance = await vast.showInstance(id);
      if (!instance || slotOf(fleet, instance.label) === null)
        return { ok: false, status: 404, error: "not_found", message: `instance ${id} is not in fleet ${fleet}` };
      const text = await vast.getLogs(id, { tail });
      return { ok: true, value: { id, label: instance.label ?? "", text: text === null ? null : redact(text, this.env) } };
    } catch (e) {
      return vastUnavailable(redact(String(e), this.env));
    }
  }
}
