import { DurableObject } from "cloudflare:workers";
import { alertsStep, alertsView, bootstrapStep, WATCHDOG_MS, watchdogStep } from "../alerts/run";
import { z } from "zod";
import { configFromVars, type FleetConfig, patchConfig, validateConfig, minUploadInterval, slotOf } from "../config/fleet";
import type { Env } from "../env";
import { runPass, type PassOptions, type PassReport } from "../reconcile/pass";
import { closedBreaker } from "../reconcile/breaker";
import { blockHost, type BlockScope } from "../reconcile/hosts";
import { startedBefore } from "../reconcile/roll";
import { emptyState, FleetState } from "../reconcile/state";
import { clientFor } from "../vast/transport";
import { redact } from "../redact";
import { nowFor } from "./clock";
import { kvFirstSeen } from "./first-seen";
import { LeaseManager, StaleFence } from "./lease";
import { meteredSql, newUsage } from "./usage";
import { FleetStore, type FleetEvent, type NewEvent } from "./store";
import { registry } from "./registry";
import { fleetStats, type FleetStats } from "./stats";
import { fleetStatus, type FleetStatus } from "./status";
import { FleetHistory, type HistoryPoint } from "../dashboard/history";

/**
 * One Durable Object per fleet. It holds the fleet's lease, config overrides, remembered state and
 * event log, and runs every pass of its fleet, from the cron and from the API alike, so that no two
 * passes of one fleet ever act at once and everything that needs atomicity sits in one SQLite store.
 */

/** How long an API call waits for a running pass before answering 409. */
export const API_LEASE_WAIT_MS = 10_000;

const ConfigOverrides = z.record(z.string(), z.unknown());
const LastPass = z.custom<PassReport>((v) => typeof v === "object" && v !== null && "at" in v);

export type ActionResult<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 409 | 503; error: string; message: string };

/** PUT /hosts/:machineId's answer: the block as stored (a long or secret-bearing reason is cut or redacted). */
type Blocked = { blocked: number; scope: BlockScope; reason: string };

export interface DownResult {
  confirmed: boolean;
  instances: { id: number; label: string; gpu: string | null; status: string | null }[];
  destroyed: number[];
  errors: string[];
}

const busy = <T>(): ActionResult<T> => ({ ok: false, status: 409, error: "busy", message: "a pass of this fleet is running; retry shortly" });
const invalid = <T>(message: string): ActionResult<T> => ({ ok: false, status: 400, error: "invalid_input", message });

export class FleetObject extends DurableObject<Env> {
  private readonly store: FleetStore;
  private readonly lease: LeaseManager;
  /** 5-minute samples for the dashboard's 24-hour charts. */
  private readonly samples: FleetHistory;
  private readonly firstSeenCache = new Map<string, number>();
  private readonly usage = newUsage(Date.now());
  private fleet = "";

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = meteredSql(ctx.storage.sql, this.usage);
    this.store = new FleetStore(sql);
    this.lease = new LeaseManager(this.store, crypto.randomUUID());
    this.samples = new FleetHistory(sql);
  }

  /** Alarms are billed as a row written each. */
  private async arm(at: number): Promise<void> {
    this.usage.rowsWritten++;
    await this.ctx.storage.setAlarm(at);
  }

  // --- config ---------------------------------------------------------------------------------

  /** The effective config: wrangler.toml vars overlaid with this fleet's stored overrides. */
  private config(): { ok: true; config: FleetConfig } | { ok: false; errors: string[] } {
    const base = configFromVars(this.env as unknown as Record<string, unknown>);
    const overrides = this.store.get("overrides", ConfigOverrides) ?? {};
    if (!base.ok && Object.keys(overrides).length === 0) return base;
    const merged = { ...(base.ok ? base.config : {}), ...overrides };
    return validateConfig(merged);
  }

  private state(): FleetState {
    return this.store.get("state", FleetState) ?? emptyState();
  }

  private bind(fleet: string): void {
    this.fleet = fleet;
  }

  async getConfig(fleet: string): Promise<ActionResult<{ config: FleetConfig | null; errors: string[]; overrides: Partial<FleetConfig> }>> {
    this.bind(fleet);
    const c = this.config();
    // Overrides are only ever written validated (putConfig, setOverrides); typed so that RPC callers see them (`unknown` is not RPC-serializable).
    const overrides: Partial<FleetConfig> = this.store.get("overrides", ConfigOverrides) ?? {};
    return { ok: true, value: c.ok ? { config: c.config, errors: [], overrides } : { config: null, errors: c.errors, overrides } };
  }

  /** Replaces the fleet's config with a whole, validated document. */
  async putConfig(fleet: string, body: unknown): Promise<ActionResult<FleetConfig>> {
    this.bind(fleet);
    const parsed = validateConfig(body);
    if (!parsed.ok) return invalid(parsed.errors.join("; "));
    const result = await this.lease.run(API_LEASE_WAIT_MS, async () => {
      this.store.put("overrides", parsed.config);
      await this.event({ action: "config", reason: "config replaced through the API", ok: true });
      return parsed.config;
    });
    return result === null ? busy() : { ok: true, value: result };
  }

  private setOverrides(patch: Partial<FleetConfig>): { ok: true; config: FleetConfig } | { ok: false; errors: string[] } {
    const current = this.config();
    if (!current.ok) return current;
    const next = patchConfig(current.config, patch);
    if (!next.ok) return next;
    const overrides = this.store.get("overrides", ConfigOverrides) ?? {};
    this.store.put("overrides", { ...overrides, ...patch });
    return next;
  }

  // --- passes ---------------------------------------------------------------------------------

  /** The cron's entry: one pass if none is running (a busy fleet skips the tick; the next one catches up). */
  async tick(fleet: string): Promise<{ ran: boolean; report: PassReport | null }> {
    this.bind(fleet);
    const report = await this.lease.run(0, (fence) => this.pass({}, () => fence.check()));
    if (report?.observed) await this.arm(Date.now() + WATCHDOG_MS);
    return { ran: report !== null, report };
  }

  /** `POST /reconcile[?dry_run=1]`. */
  async reconcile(fleet: string, dryRun: boolean): Promise<ActionResult<PassReport>> {
    this.bind(fleet);
    const report = await this.lease.run(API_LEASE_WAIT_MS, (fence) => this.pass({ dryRun }, () => fence.check()));
    return report === null ? busy() : { ok: true, value: report };
  }

  /** `POST /scale?n=`: the target becomes n, then a pass acts on it under the same lease. */
  async scale(fleet: string, n: number): Promise<ActionResult<PassReport>> {
    this.bind(fleet);
    const result = await this.lease.run<ActionResult<PassReport>>(API_LEASE_WAIT_MS, async (fence) => {
      const check = this.checkScale<PassReport>(n);
      if (check) return check;
      const changed = this.setOverrides({ workers: n });
      if (!changed.ok) return invalid<PassReport>(changed.errors.join("; "));
      await this.event({ action: "scale", reason: `target set to ${n}`, ok: true });
      return { ok: true as const, value: await this.pass({}, () => fence.check()) };
    });
    return result ?? busy();
  }

  /**
   * `POST /up?n=&gpu=`: n more workers, launched now. On one GPU model it is the runbook's
   * `vast_up.sh 2 RTX_3090`, a one-off: what cannot be launched on that model now is taken back
   * off the target, else the next cron pass would fill it with another model.
   */
  async up(fleet: string, n: number, gpu: string | null): Promise<ActionResult<{ added: number; report: PassReport }>> {
    this.bind(fleet);
    type Up = ActionResult<{ added: number; report: PassReport }>;
    const result = await this.lease.run<Up>(API_LEASE_WAIT_MS, async (fence) => {
      const current = this.config();
      if (!current.ok) return invalid(current.errors.join("; "));
      const before = current.config.workers;
      const check = this.checkScale<{ added: number; report: PassReport }>(before + n);
      if (check) return check;
      const changed = this.setOverrides({ workers: before + n });
      if (!changed.ok) return invalid(changed.errors.join("; "));
      await this.event({ action: "up", reason: `target ${before} → ${before + n}${gpu ? ` on ${gpu}` : ""}`, ok: true });
      const report = await this.pass({ gpu }, () => fence.check());
      let added = n;
      if (gpu) {
        added = Math.min(n, report.actions.filter((a) => a.kind === "launch" && a.ok).length);
        if (added < n) {
          this.setOverrides({ workers: before + added });
          await this.event({ action: "up", reason: `only ${added} of ${n} launched on ${gpu}; target ${before + added}`, ok: false });
        }
      }
      return { ok: true as const, value: { added, report } };
    });
    return result ?? busy();
  }

  private checkScale<T>(n: number): ActionResult<T> | null {
    const current = this.config();
    if (!current.ok) return invalid(`the fleet's config is invalid: ${current.errors.join("; ")}`);
    const c = current.config;
    if (!Number.isInteger(n) || n < 0 || n > c.maxWorkers) return invalid(`n: must be an integer from 0 to ${c.maxWorkers} (ZEB_MAX_WORKERS)`);
    const needed = minUploadInterval(n);
    if (c.uploadInterval < needed) {
      return invalid(
        `n: ${n} workers uploading every ${c.uploadInterval}s would exceed Hugging Face's 128 commits/hour per repository; set uploadInterval (ZEB_UPLOAD_INTERVAL) to at least ${needed}s first`,
      );
    }
    return null;
  }

  /** `POST /down`: target 0 and every instance of this fleet destroyed; without confirm, only the list. */
  async down(fleet: string, confirm: boolean): Promise<ActionResult<DownResult>> {
    this.bind(fleet);
    const result = await this.lease.run<ActionResult<DownResult>>(API_LEASE_WAIT_MS, async (fence) => {
      const vast = clientFor(this.env);
      let listed;
      try {
        listed = await vast.listInstances();
      } catch (e) {
        return { ok: false as const, status: 503 as const, error: "vast_unavailable", message: `cannot list instances, nothing destroyed: ${redact(String(e), this.env)}` };
      }
      const owned = listed.filter((i) => slotOf(fleet, i.label) !== null);
      const instances = owned.map((i) => ({ id: i.id, label: i.label ?? "", gpu: i.gpu_name, status: i.actual_status }));
      if (!confirm) return { ok: true as const, value: { confirmed: false, instances, destroyed: [], errors: [] } };
      const changed = this.setOverrides({ workers: 0 });
      if (!changed.ok) return invalid(changed.errors.join("; "));
      const destroyed: number[] = [];
      const errors: string[] = [];
      const now = await nowFor(this.env);
      const state = this.state();
      for (const i of owned) {
        fence.check();
        try {
          await vast.destroyInstance(i.id);
          destroyed.push(i.id);
          state.pendingDestroys = [...state.pendingDestroys.filter((p) => p.instanceId !== i.id), { instanceId: i.id, label: i.label ?? "", reason: "down", at: now, attempts: 1 }];
        } catch (e) {
          errors.push(`${i.id}: ${redact(String(e), this.env)}`);
        }
        await this.event({ at: now, instanceId: i.id, label: i.label, action: "destroy", reason: "POST /down", ok: !errors.some((x) => x.startsWith(`${i.id}:`)) });
      }
      state.pendingLaunches = [];
      state.upgrades = [];
      this.store.put("state", state);
      // A pass right away, so that /status shows the fleet as Vast now lists it, not as it was.
      await this.pass({}, () => fence.check());
      return { ok: true as const, value: { confirmed: true, instances, destroyed, errors } };
    });
    return result ?? busy();
  }

  async setPaused(fleet: string, paused: boolean): Promise<ActionResult<{ paused: boolean }>> {
    this.bind(fleet);
    const result = await this.lease.run(API_LEASE_WAIT_MS, async () => {
      const changed = this.setOverrides({ paused });
      if (!changed.ok) return invalid<{ paused: boolean }>(changed.errors.join("; "));
      // Resuming is a human saying the fault is fixed: the circuit breaker and the HF token hold go.
      if (!paused) this.store.put("state", { ...this.state(), breaker: closedBreaker(), hfAuthHold: null });
      await this.event({ action: paused ? "pause" : "resume", reason: paused ? "autonomous actions paused" : "autonomous actions resumed", ok: true });
      return { ok: true as const, value: { paused } };
    });
    return result ?? busy();
  }

  /** Runs one pass; `checkFence` is called before every side effect. Never throws for Vast trouble. */
  private async pass(options: PassOptions, checkFence: () => void): Promise<PassReport> {
    const fleet = this.fleet;
    const now = await nowFor(this.env);
    const current = this.config();
    if (!current.ok) {
      const report = this.emptyReport(now, [`config invalid, no autonomous actions: ${current.errors.join("; ")}`]);
      if (!options.dryRun) this.recordPass(report, null);
      return report;
    }
    const state = this.state();
    const meter = { requests: 0 };
    const vast = clientFor(this.env, {}, meter);
    const firstSeen = kvFirstSeen(this.env.FIRST_SEEN, fleet, this.firstSeenCache);
    try {
      if (!options.dryRun) await this.guarded(() => bootstrapStep({ store: this.store, env: this.env }, state, current.config, now));
      const shared = registry(this.env);
      const sharedBlocks = () => {
        this.usage.registryCalls++;
        return shared.hostBlocks(now);
      };
      const outcome = await runPass(fleet, current.config, state, { vast, firstSeen, hfToken: this.env.HF_TOKEN ?? "", now, checkFence, vastRequests: () => meter.requests, sharedBlocks }, options);
      this.usage.passes++;
      this.usage.vastRequests += meter.requests;
      this.usage.kvReads += firstSeen.ops.reads;
      this.usage.kvWrites += firstSeen.ops.writes;
      if (!options.dryRun) {
        this.store.put("state", outcome.state);
        this.recordPass(outcome.report, this.store.get("lastPass", LastPass));
        if (state.rollBefore !== null && outcome.state.rollBefore === null) {
          await this.event({ action: "roll", reason: "roll done: every worker of the fleet started after it", ok: true });
        }
        // No event per block: the market watch blocks several hosts an hour, which would bury the
        // events a human needs; /hosts shows each block and where it came from.
        if (outcome.share.length > 0) {
          this.usage.registryCalls++;
          await this.guarded(() => shared.shareHostBlocks(outcome.share));
        }
        await this.guarded(() => alertsStep({ store: this.store, env: this.env }, { fleet, report: outcome.report, state: outcome.state, config: current.config }));
      }
      return outcome.report;
    } catch (e) {
      if (!(e instanceof StaleFence)) throw e;
      const report = this.emptyReport(now, [e.message]);
      this.recordPass(report, null);
      return report;
    }
  }

  /** Health checks and alerts must never fail a pass: what they could not do, they retry next pass. */
  private async guarded(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (e) {
      await this.event({ action: "error", reason: `alerts: ${e instanceof Error ? e.message : String(e)}`, ok: false });
    }
  }

  /** The watchdog: re-armed by every successful cron pass, so it only fires when passes stopped. */
  override async alarm(): Promise<void> {
    const lastPass = this.store.get("lastPass", LastPass);
    const armed = await watchdogStep({ store: this.store, env: this.env }, await nowFor(this.env), lastPass?.errors ?? []).catch(() => true);
    if (armed) await this.arm(Date.now() + WATCHDOG_MS);
  }

  private emptyReport(now: number, errors: string[]): PassReport {
    return { at: now, fleet: this.fleet, observed: false, dryRun: false, workers: [], actions: [], held: [], errors, phaseChanges: [], firstRunning: [], subrequests: 0, dph: 0 };
  }

  private recordPass(report: PassReport, previous: PassReport | null): void {
    const events: NewEvent[] = [];
    const base = { at: report.at, fleet: this.fleet };
    for (const c of report.phaseChanges) {
      events.push({ ...base, instanceId: c.id, label: c.label, phase: c.to, action: "phase", reason: `${c.from ?? "new"} → ${c.to}: ${c.detail}`, ok: true });
    }
    for (const a of report.actions) {
      events.push({ ...base, instanceId: a.instanceId, label: a.label, phase: null, action: a.cause === "upgrade" ? "upgrade" : a.kind, reason: a.error ? `${a.reason} (failed: ${a.error})` : a.reason, ok: a.ok });
    }
    for (const e of report.errors) events.push({ ...base, instanceId: null, label: null, phase: null, action: "error", reason: e, ok: false });
    const before = new Set(previous?.held ?? []);
    for (const h of report.held) if (!before.has(h)) events.push({ ...base, instanceId: null, label: null, phase: null, action: "held", reason: h, ok: true });
    this.store.append(events.map((e) => ({ ...e, reason: redact(e.reason, this.env) })));
    this.store.put("lastPass", report);
    this.samples.record(report);
  }

  /** An event stamped with the fleet's clock (the simulator's, when simulated), like the passes' own. */
  private async event(e: Partial<NewEvent> & Pick<NewEvent, "action" | "reason" | "ok">): Promise<void> {
    const at = e.at ?? (await nowFor(this.env));
    this.store.append([{ at, fleet: this.fleet, instanceId: e.instanceId ?? null, label: e.label ?? null, phase: e.phase ?? null, action: e.action, reason: redact(e.reason, this.env), ok: e.ok }]);
  }

  // --- reads ----------------------------------------------------------------------------------

  async status(fleet: string): Promise<FleetStatus> {
    this.bind(fleet);
    const now = await nowFor(this.env);
    const c = this.config();
    return fleetStatus({ fleet, now, config: c.ok ? c.config : null, configErrors: c.ok ? [] : c.errors, state: this.state(), lastPass: this.store.get("lastPass", LastPass), alerts: alertsView(this.store), usage: { ...this.usage } });
  }

  /** `GET /history`: the last 24 hours in 5-minute buckets, oldest first. */
  async history(fleet: string): Promise<{ now: number; points: HistoryPoint[] }> {
    this.bind(fleet);
    const now = await nowFor(this.env);
    return { now, points: this.samples.points(now) };
  }

  /** What the fleet has learned: throughput per GPU model and per host, and host reputation. */
  async stats(fleet: string): Promise<ActionResult<FleetStats>> {
    this.bind(fleet);
    const c = this.config();
    if (!c.ok) return invalid(`the fleet's config is invalid: ${c.errors.join("; ")}`);
    return { ok: true, value: fleetStats(fleet, c.config, this.state(), await nowFor(this.env)) };
  }

  /** Forgets a host's record (strikes, block, throughput): the operator knows it was fixed. */
  async clearHost(fleet: string, machineId: number): Promise<ActionResult<{ cleared: number }>> {
    this.bind(fleet);
    const result = await this.lease.run<ActionResult<{ cleared: number }>>(API_LEASE_WAIT_MS, async () => {
      const state = this.state();
      if (!state.hosts[String(machineId)]) return { ok: false, status: 404, error: "not_found", message: `machineId: fleet ${fleet} has no record of machine ${machineId}` };
      delete state.hosts[String(machineId)];
      // Its market sighting too: a stale "gone" would flag it again the next time it is listed.
      delete state.market[String(machineId)];
      // And for every fleet: else the next pass here, or any other fleet's, adopts the shared block again.
      this.usage.registryCalls++;
      await registry(this.env).forgetHost(machineId);
      this.store.put("state", state);
      await this.event({ action: "host", reason: `record of machine ${machineId} cleared through the API`, ok: true });
      return { ok: true, value: { cleared: machineId } };
    });
    return result ?? busy();
  }

  /** The operator blocks a host (PUT /hosts/:machineId); "account" shares the block with every fleet. */
  async blockHost(fleet: string, machineId: number, reason: string, scope: BlockScope): Promise<ActionResult<Blocked>> {
    this.bind(fleet);
    const result = await this.lease.run<ActionResult<Blocked>>(API_LEASE_WAIT_MS, async () => {
      const now = await nowFor(this.env);
      // Typed by a person, kept for days and copied to every fleet: a pasted key must not ride along.
      const { state, host } = blockHost(this.state(), machineId, `blocked by the operator: ${redact(reason, this.env)}`, now);
      if (scope === "account") {
        // Shared first: if the registry cannot take it, nothing is stored and the caller sees the error.
        this.usage.registryCalls++;
        await registry(this.env).shareHostBlocks([{ machineId, gpuName: host.gpuName, reason: host.blockedReason, fleet, at: now, permanent: true }]);
      }
      this.store.put("state", state);
      await this.event({ action: "host", reason: `machine ${machineId} blocked through the API${scope === "account" ? " for every fleet" : ""}: ${reason}`, ok: true });
      return { ok: true, value: { blocked: machineId, scope, reason: host.blockedReason } };
    });
    return result ?? busy();
  }

  /**
   * `POST /instances/:id/replace`: the runbook's "destroy it, then vast_up.sh 1" for one worker (on
   * stale code, or on a host the operator distrusts): destroyed at once, its unsent games with it,
   * and its slot refilled in the same pass. Only an instance of this fleet, and not while paused,
   * when the pass would destroy nothing and launch nothing.
   */
  async replace(fleet: string, id: number): Promise<ActionResult<{ replaced: number; report: PassReport }>> {
    this.bind(fleet);
    type Replaced = ActionResult<{ replaced: number; report: PassReport }>;
    const result = await this.lease.run<Replaced>(API_LEASE_WAIT_MS, async (fence) => {
      const current = this.config();
      if (!current.ok) return invalid(current.errors.join("; "));
      if (current.config.paused) return { ok: false, status: 409, error: "paused", message: `fleet ${fleet} is paused; POST /resume?fleet=${fleet} first` };
      let instance;
      try {
        instance = await clientFor(this.env).showInstance(id);
      } catch (e) {
        return { ok: false, status: 503, error: "vast_unavailable", message: `cannot read instance ${id}, nothing destroyed: ${redact(String(e), this.env)}` };
      }
      if (!instance || slotOf(fleet, instance.label) === null) return { ok: false, status: 404, error: "not_found", message: `id: instance ${id} is not in fleet ${fleet}` };
      await this.event({ action: "replace", instanceId: id, label: instance.label, reason: "replace requested through the API", ok: true });
      const report = await this.pass({ replace: id }, () => fence.check());
      // Say so when the pass could not destroy it (Vast failed): the slot is refilled only once it is gone.
      if (!report.actions.some((a) => a.kind === "destroy" && a.instanceId === id && a.ok)) {
        const why = [...report.errors, ...report.actions.filter((a) => a.instanceId === id).map((a) => a.error ?? "")].filter(Boolean).join("; ");
        return { ok: false, status: 503, error: "not_replaced", message: `instance ${id} was not destroyed: ${why || "see /events"}` };
      }
      return { ok: true as const, value: { replaced: id, report } };
    });
    return result ?? busy();
  }

  /**
   * `POST /roll`: every worker started before now is replaced, one trial at a time and make before
   * break (roll.ts), starting with this pass; `cancel` ends a roll and leaves the workers not yet
   * replaced as they are.
   */
  async roll(fleet: string, cancel: boolean): Promise<ActionResult<{ rolling: boolean; remaining: number; report: PassReport | null }>> {
    this.bind(fleet);
    type Rolled = ActionResult<{ rolling: boolean; remaining: number; report: PassReport | null }>;
    const result = await this.lease.run<Rolled>(API_LEASE_WAIT_MS, async (fence) => {
      const state = this.state();
      if (cancel) {
        this.store.put("state", { ...state, rollBefore: null });
        await this.event({ action: "roll", reason: state.rollBefore === null ? "cancel: no roll was under way" : "roll cancelled through the API", ok: true });
        return { ok: true as const, value: { rolling: false, remaining: 0, report: null } };
      }
      const now = await nowFor(this.env);
      // A search is due at once, so the first trade starts in this pass rather than at the next scan.
      this.store.put("state", { ...state, rollBefore: now, lastMarketScanAt: null });
      await this.event({ action: "roll", reason: "roll started through the API: every worker started before now is replaced, one at a time, make before break", ok: true });
      const report = await this.pass({}, () => fence.check());
      const gone = new Set(report.actions.filter((a) => a.kind === "destroy" && a.ok).map((a) => a.instanceId));
      const remaining = report.workers.filter((w) => !gone.has(w.id) && startedBefore(w.startedAt, now)).length;
      return { ok: true as const, value: { rolling: this.state().rollBefore !== null, remaining, report } };
    });
    return result ?? busy();
  }

  async events(fleet: string, limit: number, since: number | null): Promise<FleetEvent[]> {
    this.bind(fleet);
    return this.store.events(limit, since);
  }

  /** An owned instance's logs, redacted; null when the instance is not this fleet's. */
  async logs(fleet: string, id: number, tail: number): Promise<ActionResult<{ id: number; label: string; text: string | null }>> {
    this.bind(fleet);
    const vast = clientFor(this.env);
    try {
      const instance = await vast.showInstance(id);
      if (!instance || slotOf(fleet, instance.label) === null) return { ok: false, status: 404, error: "not_found", message: `instance ${id} is not in fleet ${fleet}` };
      const text = await vast.getLogs(id, { tail });
      return { ok: true, value: { id, label: instance.label ?? "", text: text === null ? null : redact(text, this.env) } };
    } catch (e) {
      return { ok: false, status: 503, error: "vast_unavailable", message: redact(String(e), this.env) };
    }
  }

  /** Forgets everything; only for a fleet with no instances (checked by the caller against Vast). */
  async destroyFleet(fleet: string): Promise<ActionResult<{ deleted: string }>> {
    this.bind(fleet);
    const result = await this.lease.run(API_LEASE_WAIT_MS, async () => {
      const listed = await clientFor(this.env).listInstances();
      const owned = listed.filter((i) => slotOf(fleet, i.label) !== null);
      if (owned.length > 0) {
        return { ok: false as const, status: 409 as const, error: "fleet_not_empty", message: `fleet ${fleet} still has ${owned.length} instance(s); POST /down?fleet=${fleet}&confirm=${fleet} first` };
      }
      this.store.clear();
      this.samples.clear();
      this.firstSeenCache.clear();
      return { ok: true as const, value: { deleted: fleet } };
    });
    return result ?? busy();
  }
}

