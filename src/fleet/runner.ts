/**
 * What a fleet object does for every RPC that changes something: its effective config, its stored
 * state (kept aside when damaged), its passes with their journal, and its event log. The object
 * (object.ts) holds one runner and calls it under the fleet's lease.
 * @module
 */

import { z } from "zod";
import { bookPass } from "../accounting/book";
import { alertsStep, bootstrapStep } from "../alerts/run";
import { configFromVars, type FleetConfig, patchConfig, validateConfig } from "../config/fleet";
import { passSettingsErrors } from "../config/settings";
import type { Env } from "../env";
import { runPass, type PassOptions } from "../reconcile/pass";
import { emptyReport, type PassReport } from "../reconcile/report";
import { emptyState, FleetState, salvageState } from "../reconcile/state";
import { redact } from "../redact";
import { clientFor, pacerFor } from "../vast/transport";
import { nowFor } from "./clock";
import { kvFirstSeen } from "./first-seen";
import type { FleetHistory } from "./history";
import { type Fence, StaleFence } from "./lease";
import { registry } from "./registry";
import { StateDamage } from "./status";
import type { FleetStore, NewEvent } from "./store";
import { passLogLine } from "./pass-log";
import { tallyPass, type Usage } from "./usage";

export const ConfigOverrides = z.record(z.string(), z.unknown());
export const LastPass = z.custom<PassReport>((v) => typeof v === "object" && v !== null && "at" in v);

export type ConfigResult = { ok: true; config: FleetConfig } | { ok: false; errors: string[] };

export class FleetRunner {
  /** The fleet the current call is for (a Durable Object knows its name only from its callers). */
  fleet = "";
  private readonly firstSeenCache = new Map<string, number>();

  constructor(
    readonly env: Env,
    readonly store: FleetStore,
    readonly samples: FleetHistory,
    readonly usage: Usage,
  ) {}

  now(): Promise<number> {
    return nowFor(this.env);
  }

  overrides(): Record<string, unknown> {
    return this.store.get("overrides", ConfigOverrides) ?? {};
  }

  /** The effective config: wrangler.toml vars overlaid with this fleet's stored overrides. */
  config(): ConfigResult {
    // A malformed VAST_API_URL or HF_ENDPOINT stops the fleet with the reason, like a bad ZEB_* value.
    const settings = passSettingsErrors(this.env);
    if (settings.length > 0) return { ok: false, errors: settings };
    const base = configFromVars(this.env as unknown as Record<string, unknown>);
    const overrides = this.overrides();
    if (!base.ok && Object.keys(overrides).length === 0) return base;
    return validateConfig({ ...(base.ok ? base.config : {}), ...overrides });
  }

  setOverrides(patch: Partial<FleetConfig>): ConfigResult {
    const current = this.config();
    if (!current.ok) return current;
    const next = patchConfig(current.config, patch);
    if (!next.ok) return next;
    this.store.put("overrides", { ...this.overrides(), ...patch });
    return next;
  }

  /**
   * The stored state. One that no longer fits its schema is never silently replaced: it is kept
   * aside as it was, what can be salvaged is used, and the damage is reported (status, events,
   * Slack). The listing rebuilds the rest: every listed label holds its slot.
   */
  state(now: number): FleetState {
    const read = this.store.read("state", FleetState);
    if (read.kind === "absent") return emptyState();
    if (read.kind === "ok") return read.value;
    const keptAs = `state.damaged.${now}`;
    const { state, lost } = salvageState(read.text);
    this.store.put(keptAs, read.text);
    const damage: StateDamage = { at: now, keptAs, problem: read.problem, lost, reported: false };
    this.store.put("stateDamage", damage);
    this.store.put("state", state);
    this.append({
      action: "error",
      reason: `stored state failed its schema (${read.problem}); kept aside as ${keptAs}; recovered all but: ${lost.join(", ") || "nothing lost"}`,
      ok: false,
      at: now,
    });
    return state;
  }

  /**
   * Runs one pass holding `fence`. The pass journals its state before every side effect (and stops
   * sending when it cannot: the lease was lost); what it did is recorded even then. Never throws
   * for Vast trouble.
   */
  async pass(options: PassOptions, fence: Fence): Promise<PassReport> {
    const fleet = this.fleet;
    const now = await this.now();
    const current = this.config();
    if (!current.ok) {
      const report = emptyReport(fleet, now, options.dryRun ?? false, [
        `config invalid, no autonomous actions: ${current.errors.join("; ")}`,
      ]);
      if (!options.dryRun) this.recordPass(report, null);
      return report;
    }
    let state = this.state(now);
    const meter = { requests: 0 };
    const vast = clientFor(this.env, {}, meter);
    const firstSeen = kvFirstSeen(this.env.FIRST_SEEN, fleet, this.firstSeenCache);
    if (!options.dryRun) {
      // The weights check may set or lift the launch hold; if it fails, the hold stays as it was.
      let launchHold = state.launchHold;
      await this.guarded(async () => {
        launchHold = await bootstrapStep({ store: this.store, env: this.env }, state.launchHold, current.config, now);
      });
      state = { ...state, launchHold };
    }
    const shared = registry(this.env);
    const sharedBlocks = () => {
      this.usage.registryCalls++;
      return shared.hostBlocks(now);
    };
    const journal = (s: FleetState) => {
      fence.check();
      this.store.put("state", s);
    };
    const pacer = pacerFor(this.env, now);
    const started = Date.now();
    const outcome = await runPass(
      fleet,
      current.config,
      state,
      { vast, firstSeen, hfToken: this.env.HF_TOKEN ?? "", now, journal, vastRequests: () => meter.requests, sharedBlocks, pacer },
      options,
    );
    this.usage.passes++;
    this.usage.vastRequests += meter.requests;
    this.usage.kvReads += firstSeen.ops.reads;
    this.usage.kvWrites += firstSeen.ops.writes;
    if (options.dryRun) return outcome.report;
    outcome.state = bookPass(outcome.state, outcome.report);
    try {
      journal(outcome.state);
    } catch (e) {
      if (!(e instanceof StaleFence)) throw e;
      // Another incarnation holds the fleet now: its state stands; this pass's deeds are still logged.
      outcome.report.errors.push(`${e.message}: this pass's state was not stored`);
    }
    this.recordPass(outcome.report, this.store.get("lastPass", LastPass), Date.now() - started);
    if (state.rollBefore !== null && outcome.state.rollBefore === null) {
      this.append({ action: "roll", reason: "roll done: every worker of the fleet started after it", ok: true, at: now });
    }
    // No event per block: the market watch blocks several hosts an hour, which would bury the
    // events a human needs; /hosts shows each block and where it came from.
    if (outcome.share.length > 0) {
      this.usage.registryCalls++;
      await this.guarded(() => shared.shareHostBlocks(outcome.share));
    }
    const damage = this.store.get("stateDamage", StateDamage);
    const stateDamage = damage && !damage.reported ? damage : null;
    await this.guarded(() =>
      alertsStep(
        { store: this.store, env: this.env },
        { fleet, report: outcome.report, state: outcome.state, config: current.config, stateDamage },
      ),
    );
    if (stateDamage) this.store.put("stateDamage", { ...stateDamage, reported: true });
    return outcome.report;
  }

  /** Health checks and alerts must never fail a pass: what they could not do, they retry next pass. */
  async guarded(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (e) {
      await this.event({ action: "error", reason: `alerts: ${e instanceof Error ? e.message : String(e)}`, ok: false });
    }
  }

  recordPass(report: PassReport, previous: PassReport | null, wallMs: number | null = null): void {
    tallyPass(this.usage, report);
    console.log(passLogLine(report, wallMs, (text) => redact(text, this.env)));
    const events: NewEvent[] = [];
    const base = { at: report.at, fleet: this.fleet };
    for (const c of report.phaseChanges) {
      events.push({
        ...base,
        instanceId: c.id,
        label: c.label,
        phase: c.to,
        action: "phase",
        reason: `${c.from ?? "new"} → ${c.to}: ${c.detail}`,
        ok: true,
      });
    }
    for (const a of report.actions) {
      events.push({
        ...base,
        instanceId: a.instanceId,
        label: a.label,
        phase: null,
        action: a.cause === "upgrade" ? "upgrade" : a.kind,
        reason: a.error ? `${a.reason} (failed: ${a.error})` : a.reason,
        ok: a.ok,
      });
    }
    for (const e of report.errors)
      events.push({ ...base, instanceId: null, label: null, phase: null, action: "error", reason: e, ok: false });
    const before = new Set(previous?.held ?? []);
    for (const h of report.held)
      if (!before.has(h)) events.push({ ...base, instanceId: null, label: null, phase: null, action: "held", reason: h, ok: true });
    this.store.append(events.map((e) => ({ ...e, reason: redact(e.reason, this.env) })));
    this.store.put("lastPass", report);
    this.samples.record(report);
  }

  /** An event stamped with the fleet's clock (the simulator's, when simulated), like the passes' own. */
  async event(e: Partial<NewEvent> & Pick<NewEvent, "action" | "reason" | "ok">): Promise<void> {
    this.append({ ...e, at: e.at ?? (await this.now()) });
  }

  append(e: Partial<NewEvent> & Pick<NewEvent, "action" | "reason" | "ok" | "at">): void {
    this.store.append([
      {
        at: e.at,
        fleet: this.fleet,
        instanceId: e.instanceId ?? null,
        label: e.label ?? null,
        phase: e.phase ?? null,
        action: e.action,
        reason: redact(e.reason, this.env),
        ok: e.ok,
      },
    ]);
  }

  forgetCaches(): void {
    this.firstSeenCache.clear();
  }
}
