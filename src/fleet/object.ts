import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { alertsStep, alertsView, bootstrapStep, WATCHDOG_MS, watchdogStep } from "../alerts/run";
import { configFromVars, type FleetConfig, minUploadInterval, patchConfig, slotOf, upProblem, validateConfig } from "../config/fleet";
import { passSettingsErrors } from "../config/settings";
import type { Env } from "../env";
import { closedBreaker } from "../reconcile/breaker";
import { blockHost, type BlockScope } from "../reconcile/hosts";
import { runPass, type PassOptions } from "../reconcile/pass";
import { emptyReport, type PassReport } from "../reconcile/report";
import { startedBefore } from "../reconcile/roll";
import { emptyState, FleetState, salvageState } from "../reconcile/state";
import { redact } from "../redact";
import { clientFor } from "../vast/transport";
import { nowFor } from "./clock";
import { FleetHistory, type HistoryPoint } from "./history";
import { kvFirstSeen } from "./first-seen";
import { type Fence, LeaseManager, StaleFence } from "./lease";
import { registry } from "./registry";
import { busy, invalid, type RpcResult, unknownFleet, vastUnavailable } from "./rpc";
import { fleetStats, type FleetStats } from "./stats";
import { fleetStatus, type FleetStatus, StateDamage } from "./status";
import { FleetStore, type FleetEvent, type NewEvent } from "./store";
import { passLogLine } from "./pass-log";
import { meteredSql, newUsage, tallyPass } from "./usage";

/**
 * @module
 * One Durable Object per fleet: a thin RPC surface over the fleet's lease, stored state and event
 * log. Every method that changes anything runs under the lease (`leased`), so no two passes or
 * API actions of one fleet ever act at once, and a deleted fleet (tombstoned) never acts again.
 */

/** How long an API call waits for a running pass before answering 409. */
export const API_LEASE_WAIT_MS = 10_000;

const ConfigOverrides = z.record(z.string(), z.unknown());
const LastPass = z.custom<PassReport>((v) => typeof v === "object" && v !== null && "at" in v);
/** Written when the fleet is deleted, before anything else is forgotten: no pass or action runs after it. */
const Tombstone = z.object({ at: z.number() });

/** PUT /hosts/:machineId's answer: the block as stored (a long or secret-bearing reason is cut or redacted). */
type Blocked = { blocked: number; scope: BlockScope; reason: string };

export interface DownResult {
  confirmed: boolean;
  instances: { id: number; label: string; gpu: string | null; status: string | null }[];
  destroyed: number[];
  errors: string[];
}

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

  /**
   * Runs `work` under the fleet's lease, unless the fleet was deleted: the existence check made
   * before the call (outside the lease) may be stale by the time the lease is had.
   */
  private async leased<T>(fleet: string, work: (fence: Fence) => Promise<RpcResult<T>>, waitMs = API_LEASE_WAIT_MS): Promise<RpcResult<T>> {
    this.fleet = fleet;
    const result = await this.lease.run(waitMs, (fence) => (this.store.has("tombstone") ? Promise.resolve(unknownFleet<T>(fleet)) : work(fence)));
    return result ?? busy();
  }

  /** A pass under the lease, as an RPC answer. */
  private passing(fleet: string, options: PassOptions): Promise<RpcResult<PassReport>> {
    return this.leased(fleet, async (fence) => ({ ok: true, value: await this.pass(options, fence) }));
  }

  // --- config ---------------------------------------------------------------------------------

  /** The effective config: wrangler.toml vars overlaid with this fleet's stored overrides. */
  private config(): { ok: true; config: FleetConfig } | { ok: false; errors: string[] } {
    // A malformed VAST_API_URL or HF_ENDPOINT stops the fleet with the reason, like a bad ZEB_* value.
    const settings = passSettingsErrors(this.env);
    if (settings.length > 0) return { ok: false, errors: settings };
    const base = configFromVars(this.env as unknown as Record<string, unknown>);
    const overrides = this.store.get("overrides", ConfigOverrides) ?? {};
    if (!base.ok && Object.keys(overrides).length === 0) return base;
    const merged = { ...(base.ok ? base.config : {}), ...overrides };
    return validateConfig(merged);
  }

  /**
   * The stored state. One that no longer fits its schema is never silently replaced: it is kept
   * aside as it was, what can be salvaged is used, and the damage is reported (status, events,
   * Slack). The listing rebuilds the rest: every listed label holds its slot.
   */
  private state(now: number): FleetState {
    const read = this.store.read("state", FleetState);
    if (read.kind === "absent") return emptyState();
    if (read.kind === "ok") return read.value;
    const keptAs = `state.damaged.${now}`;
    const { state, lost } = salvageState(read.text);
    this.store.put(keptAs, read.text);
    const damage: StateDamage = { at: now, keptAs, problem: read.problem, lost, reported: false };
    this.store.put("stateDamage", damage);
    this.store.put("state", state);
    this.append({ action: "error", reason: `stored state failed its schema (${read.problem}); kept aside as ${keptAs}; recovered all but: ${lost.join(", ") || "nothing lost"}`, ok: false, at: now });
    return state;
  }

  async getConfig(fleet: string): Promise<RpcResult<{ config: FleetConfig | null; errors: string[]; overrides: Partial<FleetConfig> }>> {
    this.fleet = fleet;
    const c = this.config();
    // Overrides are only ever written validated (putConfig, setOverrides); typed so that RPC callers see them (`unknown` is not RPC-serializable).
    const overrides: Partial<FleetConfig> = this.store.get("overrides", ConfigOverrides) ?? {};
    return { ok: true, value: c.ok ? { config: c.config, errors: [], overrides } : { config: null, errors: c.errors, overrides } };
  }

  /** Replaces the fleet's config with a whole, validated document; creates (or re-creates) the fleet. */
  async putConfig(fleet: string, body: unknown): Promise<RpcResult<FleetConfig>> {
    this.fleet = fleet;
    const parsed = validateConfig(body);
    if (!parsed.ok) return invalid(parsed.errors.join("; "));
    const result = await this.lease.run(API_LEASE_WAIT_MS, async () => {
      this.store.delete("tombstone");
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
    const result = await this.leased(fleet, async (fence) => ({ ok: true, value: await this.pass({}, fence) }), 0);
    const report = result.ok ? result.value : null;
    if (report?.observed) await this.arm(Date.now() + WATCHDOG_MS);
    return { ran: report !== null, report };
  }

  /** `POST /reconcile[?dry_run=1]`. */
  async reconcile(fleet: string, dryRun: boolean): Promise<RpcResult<PassReport>> {
    return this.passing(fleet, { dryRun });
  }

  /** `POST /scale?n=`: the target becomes n, then a pass acts on it under the same lease. */
  async scale(fleet: string, n: number): Promise<RpcResult<PassReport>> {
    return this.leased(fleet, async (fence) => {
      const check = this.checkScale<PassReport>(n);
      if (check) return check;
      const changed = this.setOverrides({ workers: n });
      if (!changed.ok) return invalid(changed.errors.join("; "));
      await this.event({ action: "scale", reason: `target set to ${n}`, ok: true });
      return { ok: true, value: await this.pass({}, fence) };
    });
  }

  /**
   * `POST /up?n=&gpu=`: n more workers, launched now. On one GPU model it is the runbook's
   * `vast_up.sh 2 RTX_3090`, a one-off: what cannot be launched on that model now is taken back
   * off the target, else the next cron pass would fill it with another model.
   */
  async up(fleet: string, n: number, gpu: string | null): Promise<RpcResult<{ added: number; report: PassReport }>> {
    return this.leased(fleet, async (fence) => {
      const current = this.config();
      if (!current.ok) return invalid(current.errors.join("; "));
      const before = current.config.workers;
      const problem = upProblem(current.config, n);
      if (problem) return invalid(problem);
      const changed = this.setOverrides({ workers: before + n });
      if (!changed.ok) return invalid(changed.errors.join("; "));
      await this.event({ action: "up", reason: `target ${before} → ${before + n}${gpu ? ` on ${gpu}` : ""}`, ok: true });
      const report = await this.pass({ gpu }, fence);
      let added = n;
      if (gpu) {
        added = Math.min(n, report.actions.filter((a) => a.kind === "launch" && a.ok).length);
        if (added < n) {
          this.setOverrides({ workers: before + added });
          await this.event({ action: "up", reason: `only ${added} of ${n} launched on ${gpu}; target ${before + added}`, ok: false });
        }
      }
      return { ok: true, value: { added, report } };
    });
  }

  /** Whether the fleet may have `n` workers. */
  private checkScale<T>(n: number): RpcResult<T> | null {
    const current = this.config();
    if (!current.ok) return invalid(`the fleet's config is invalid: ${current.errors.join("; ")}`);
    const c = current.config;
    if (!Number.isInteger(n) || n < 0 || n > c.maxWorkers) return invalid(`n: must be an integer from 0 to ${c.maxWorkers} (ZEB_MAX_WORKERS)`);
    const needed = minUploadInterval(n);
    if (c.uploadInterval !== "auto" && c.uploadInterval < needed) {
      return invalid(
        `n: ${n} workers uploading every ${c.uploadInterval}s would exceed Hugging Face's 128 commits/hour per repository; set uploadInterval (ZEB_UPLOAD_INTERVAL) to at least ${needed}s first`,
      );
    }
    return null;
  }

  /**
   * `POST /down`: target 0 and every instance of this fleet destroyed in one pass, paused or not;
   * without confirm, only the list. When Vast cannot be listed nothing changes (503).
   */
  async down(fleet: string, confirm: boolean): Promise<RpcResult<DownResult>> {
    return this.leased(fleet, async (fence) => {
      if (!confirm) {
        let listed;
        try {
          listed = await clientFor(this.env).listInstances();
        } catch (e) {
          return vastUnavailable(`cannot list instances, nothing destroyed: ${redact(String(e), this.env)}`);
        }
        const instances = listed.filter((i) => slotOf(fleet, i.label) !== null).map((i) => ({ id: i.id, label: i.label ?? "", gpu: i.gpu_name, status: i.actual_status }));
        return { ok: true, value: { confirmed: false, instances, destroyed: [], errors: [] } };
      }
      const overrides = this.store.get("overrides", ConfigOverrides) ?? {};
      const changed = this.setOverrides({ workers: 0 });
      if (!changed.ok) return invalid(changed.errors.join("; "));
      const report = await this.pass({ down: true }, fence);
      if (!report.observed) {
        this.store.put("overrides", overrides);
        return vastUnavailable(`cannot list instances, nothing destroyed: ${report.errors.join("; ")}`);
      }
      const destroys = report.actions.filter((a) => a.kind === "destroy");
      return {
        ok: true,
        value: {
          confirmed: true,
          instances: report.workers.map((w) => ({ id: w.id, label: w.label, gpu: w.gpu, status: w.status })),
          destroyed: destroys.filter((a) => a.ok).map((a) => a.instanceId ?? -1),
          errors: destroys.filter((a) => !a.ok).map((a) => `${a.instanceId}: ${a.error ?? "failed"}`),
        },
      };
    });
  }

  async setPaused(fleet: string, paused: boolean): Promise<RpcResult<{ paused: boolean }>> {
    return this.leased(fleet, async () => {
      const changed = this.setOverrides({ paused });
      if (!changed.ok) return invalid(changed.errors.join("; "));
      const now = await nowFor(this.env);
      // Resuming is a human saying the fault is fixed: the circuit breaker and the HF token hold go.
      if (!paused) this.store.put("state", { ...this.state(now), breaker: closedBreaker(), hfAuthHold: null });
      await this.event({ action: paused ? "pause" : "resume", reason: paused ? "autonomous actions paused" : "autonomous actions resumed", ok: true });
      return { ok: true, value: { paused } };
    });
  }

  /**
   * Runs one pass holding `fence`. The pass journals its state before every side effect (and stops
   * sending when it cannot: the lease was lost); what it did is recorded even then. Never throws
   * for Vast trouble.
   */
  private async pass(options: PassOptions, fence: Fence): Promise<PassReport> {
    const fleet = this.fleet;
    const now = await nowFor(this.env);
    const current = this.config();
    if (!current.ok) {
      const report = emptyReport(fleet, now, options.dryRun ?? false, [`config invalid, no autonomous actions: ${current.errors.join("; ")}`]);
      if (!options.dryRun) this.recordPass(report, null);
      return report;
    }
    const state = this.state(now);
    const meter = { requests: 0 };
    const vast = clientFor(this.env, {}, meter);
    const firstSeen = kvFirstSeen(this.env.FIRST_SEEN, fleet, this.firstSeenCache);
    if (!options.dryRun) await this.guarded(() => bootstrapStep({ store: this.store, env: this.env }, state, current.config, now));
    const shared = registry(this.env);
    const sharedBlocks = () => {
      this.usage.registryCalls++;
      return shared.hostBlocks(now);
    };
    const journal = (s: FleetState) => {
      fence.check();
      this.store.put("state", s);
    };
    const started = Date.now();
    const outcome = await runPass(fleet, current.config, state, { vast, firstSeen, hfToken: this.env.HF_TOKEN ?? "", now, journal, vastRequests: () => meter.requests, sharedBlocks }, options);
    this.usage.passes++;
    this.usage.vastRequests += meter.requests;
    this.usage.kvReads += firstSeen.ops.reads;
    this.usage.kvWrites += firstSeen.ops.writes;
    if (options.dryRun) return outcome.report;
    try {
      journal(outcome.state);
    } catch (e) {
      if (!(e instanceof StaleFence)) throw e;
      // Another incarnation holds the fleet now: its state stands; this pass's deeds are still logged.
      outcome.report.errors.push(`${e.message}: this pass's state was not stored`);
    }
    this.recordPass(outcome.report, this.store.get("lastPass", LastPass), Date.now() - started);
    if (state.rollBefore !== null && outcome.state.rollBefore === null) {
      await this.event({ action: "roll", reason: "roll done: every worker of the fleet started after it", ok: true });
    }
    // No event per block: the market watch blocks several hosts an hour, which would bury the
    // events a human needs; /hosts shows each block and where it came from.
    if (outcome.share.length > 0) {
      this.usage.registryCalls++;
      await this.guarded(() => shared.shareHostBlocks(outcome.share));
    }
    const damage = this.store.get("stateDamage", StateDamage);
    await this.guarded(() => alertsStep({ store: this.store, env: this.env }, { fleet, report: outcome.report, state: outcome.state, config: current.config, stateDamage: damage && !damage.reported ? damage : null }));
    if (damage && !damage.reported) this.store.put("stateDamage", { ...damage, reported: true });
    return outcome.report;
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
    if (this.store.has("tombstone")) return;
    const lastPass = this.store.get("lastPass", LastPass);
    const armed = await watchdogStep({ store: this.store, env: this.env }, await nowFor(this.env), lastPass?.errors ?? []).catch(() => true);
    if (armed) await this.arm(Date.now() + WATCHDOG_MS);
  }

  private recordPass(report: PassReport, previous: PassReport | null, wallMs: number | null = null): void {
    tallyPass(this.usage, report);
    console.log(passLogLine(report, wallMs, (text) => redact(text, this.env)));
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
    this.append({ ...e, at: e.at ?? (await nowFor(this.env)) });
  }

  private append(e: Partial<NewEvent> & Pick<NewEvent, "action" | "reason" | "ok" | "at">): void {
    this.store.append([{ at: e.at, fleet: this.fleet, instanceId: e.instanceId ?? null, label: e.label ?? null, phase: e.phase ?? null, action: e.action, reason: redact(e.reason, this.env), ok: e.ok }]);
  }

  // --- reads ----------------------------------------------------------------------------------

  async status(fleet: string): Promise<FleetStatus> {
    this.fleet = fleet;
    const now = await nowFor(this.env);
    const c = this.config();
    return fleetStatus({
      fleet,
      now,
      config: c.ok ? c.config : null,
      configErrors: c.ok ? [] : c.errors,
      state: this.state(now),
      stateDamage: this.store.get("stateDamage", StateDamage),
      lastPass: this.store.get("lastPass", LastPass),
      alerts: alertsView(this.store),
      usage: { ...this.usage },
    });
  }

  /** `GET /history`: the last 24 hours in 5-minute buckets, oldest first. */
  async history(fleet: string): Promise<{ now: number; points: HistoryPoint[] }> {
    this.fleet = fleet;
    const now = await nowFor(this.env);
    return { now, points: this.samples.points(now) };
  }

  /** What the fleet has learned: throughput per GPU model and per host, and host reputation. */
  async stats(fleet: string): Promise<RpcResult<FleetStats>> {
    this.fleet = fleet;
    const c = this.config();
    if (!c.ok) return invalid(`the fleet's config is invalid: ${c.errors.join("; ")}`);
    const now = await nowFor(this.env);
    return { ok: true, value: fleetStats(fleet, c.config, this.state(now), now) };
  }

  /** Forgets a host's record (strikes, block, throughput): the operator knows it was fixed. */
  async clearHost(fleet: string, machineId: number): Promise<RpcResult<{ cleared: number }>> {
    return this.leased(fleet, async () => {
      const state = this.state(await nowFor(this.env));
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
  }

  /** The operator blocks a host (PUT /hosts/:machineId); "account" shares the block with every fleet. */
  async blockHost(fleet: string, machineId: number, reason: string, scope: BlockScope): Promise<RpcResult<Blocked>> {
    return this.leased(fleet, async () => {
      const now = await nowFor(this.env);
      // Typed by a person, kept for days and copied to every fleet: a pasted key must not ride along.
      const { state, host } = blockHost(this.state(now), machineId, `blocked by the operator: ${redact(reason, this.env)}`, now);
      if (scope === "account") {
        // Shared first: if the registry cannot take it, nothing is stored and the caller sees the error.
        this.usage.registryCalls++;
        await registry(this.env).shareHostBlocks([{ machineId, gpuName: host.gpuName, reason: host.blockedReason, fleet, at: now, permanent: true }]);
      }
      this.store.put("state", state);
      await this.event({ action: "host", reason: `machine ${machineId} blocked through the API${scope === "account" ? " for every fleet" : ""}: ${reason}`, ok: true });
      return { ok: true, value: { blocked: machineId, scope, reason: host.blockedReason } };
    });
  }

  /**
   * `POST /instances/:id/replace`: the runbook's "destroy it, then vast_up.sh 1" for one worker (on
   * stale code, or on a host the operator distrusts): destroyed at once, its unsent games with it,
   * and its slot refilled in the same pass. Only an instance of this fleet, and not while paused,
   * when the pass would destroy nothing and launch nothing.
   */
  async replace(fleet: string, id: number): Promise<RpcResult<{ replaced: number; report: PassReport }>> {
    return this.leased(fleet, async (fence) => {
      const current = this.config();
      if (!current.ok) return invalid(current.errors.join("; "));
      if (current.config.paused) return { ok: false, status: 409, error: "paused", message: `fleet ${fleet} is paused; POST /resume?fleet=${fleet} first` };
      let instance;
      try {
        instance = await clientFor(this.env).showInstance(id);
      } catch (e) {
        return vastUnavailable(`cannot read instance ${id}, nothing destroyed: ${redact(String(e), this.env)}`);
      }
      if (!instance || slotOf(fleet, instance.label) === null) return { ok: false, status: 404, error: "not_found", message: `id: instance ${id} is not in fleet ${fleet}` };
      await this.event({ action: "replace", instanceId: id, label: instance.label, reason: "replace requested through the API", ok: true });
      const report = await this.pass({ replace: id }, fence);
      // Say so when the pass could not destroy it (Vast failed): the slot is refilled only once it is gone.
      if (!report.actions.some((a) => a.kind === "destroy" && a.instanceId === id && a.ok)) {
        const why = [...report.errors, ...report.actions.filter((a) => a.instanceId === id).map((a) => a.error ?? "")].filter(Boolean).join("; ");
        return { ok: false, status: 503, error: "not_replaced", message: `instance ${id} was not destroyed: ${why || "see /events"}` };
      }
      return { ok: true, value: { replaced: id, report } };
    });
  }

  /**
   * `POST /roll`: every worker started before now is replaced, one trial at a time and make before
   * break (plan/trades.ts), starting with this pass; `cancel` ends a roll and leaves the workers not
   * yet replaced as they are.
   */
  async roll(fleet: string, cancel: boolean): Promise<RpcResult<{ rolling: boolean; remaining: number; report: PassReport | null }>> {
    type Rolled = { rolling: boolean; remaining: number; report: PassReport | null };
    return this.leased<Rolled>(fleet, async (fence) => {
      const now = await nowFor(this.env);
      const state = this.state(now);
      if (cancel) {
        this.store.put("state", { ...state, rollBefore: null });
        await this.event({ action: "roll", reason: state.rollBefore === null ? "cancel: no roll was under way" : "roll cancelled through the API", ok: true });
        return { ok: true, value: { rolling: false, remaining: 0, report: null } };
      }
      // A search is due at once, so the first trade starts in this pass rather than at the next scan.
      this.store.put("state", { ...state, rollBefore: now, lastMarketScanAt: null });
      await this.event({ action: "roll", reason: "roll started through the API: every worker started before now is replaced, one at a time, make before break", ok: true });
      const report = await this.pass({}, fence);
      const gone = new Set(report.actions.filter((a) => a.kind === "destroy" && a.ok).map((a) => a.instanceId));
      const remaining = report.workers.filter((w) => !gone.has(w.id) && startedBefore(w.startedAt, now)).length;
      return { ok: true, value: { rolling: this.state(now).rollBefore !== null, remaining, report } };
    });
  }

  async events(fleet: string, limit: number, since: number | null): Promise<FleetEvent[]> {
    this.fleet = fleet;
    return this.store.events(limit, since);
  }

  /** An owned instance's logs, redacted; null when the instance is not this fleet's. */
  async logs(fleet: string, id: number, tail: number): Promise<RpcResult<{ id: number; label: string; text: string | null }>> {
    this.fleet = fleet;
    const vast = clientFor(this.env);
    try {
      const instance = await vast.showInstance(id);
      if (!instance || slotOf(fleet, instance.label) === null) return { ok: false, status: 404, error: "not_found", message: `instance ${id} is not in fleet ${fleet}` };
      const text = await vast.getLogs(id, { tail });
      return { ok: true, value: { id, label: instance.label ?? "", text: text === null ? null : redact(text, this.env) } };
    } catch (e) {
      return vastUnavailable(redact(String(e), this.env));
    }
  }

  /**
   * Deletes the fleet: only one that owns nothing on Vast (checked under the lease, against the
   * listing and the launch journal), and tombstoned first, so that no pass, API action or cron tick
   * queued behind this runs for it. The caller then removes it from the registry.
   */
  async destroyFleet(fleet: string): Promise<RpcResult<{ deleted: string }>> {
    return this.leased(fleet, async () => {
      let listed;
      try {
        listed = await clientFor(this.env).listInstances();
      } catch (e) {
        return vastUnavailable(`cannot list instances, fleet ${fleet} kept: ${redact(String(e), this.env)}`);
      }
      const owned = listed.filter((i) => slotOf(fleet, i.label) !== null);
      if (owned.length > 0) {
        return { ok: false, status: 409, error: "fleet_not_empty", message: `fleet ${fleet} still has ${owned.length} instance(s); POST /down?fleet=${fleet}&confirm=${fleet} first` };
      }
      const pending = this.state(await nowFor(this.env)).pendingLaunches.length;
      if (pending > 0) {
        return { ok: false, status: 409, error: "fleet_not_empty", message: `fleet ${fleet} has ${pending} launch(es) Vast does not list yet; they may still appear: retry in a few minutes` };
      }
      this.store.clear();
      this.store.put("tombstone", { at: Date.now() } satisfies z.infer<typeof Tombstone>);
      this.samples.clear();
      this.firstSeenCache.clear();
      return { ok: true, value: { deleted: fleet } };
    });
  }
}
