import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { BLOCK_MS, SharedBlock } from "../reconcile/shared-hosts";
import { z } from "zod";
import { nowFor } from "./clock";

/** What one cron tick saw, without fleet names: /healthz is open to anyone. */
export const TickHealth = z.object({
  /** The newest pass of the tick that listed Vast (passes' clock); null when none did. */
  observedAt: z.number().nullable(),
  /** The newest pass of the tick, whether it saw anything; null when no pass ran. */
  passAt: z.number().nullable(),
  fleets: z.number().int().min(0),
  /** Fleets whose pass did not list Vast (a failed listing, an invalid config, an error). */
  blind: z.number().int().min(0),
});
export type TickHealth = z.infer<typeof TickHealth>;

export type PassHealth = { tick: TickHealth | null; now: number };

/**
 * What the account's fleets share. The names of the fleets the cron reconciles, in one object
 * ("registry") so that creating and deleting fleets is strongly consistent (the default fleet,
 * ZEB_FLEET, is always included), the host blocks every fleet honours (shared-hosts.ts), and what
 * the last cron tick saw of Vast, which /healthz reads in one request (cron.ts).
 */
export class Registry extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS fleets (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL)");
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS host_blocks (machine_id INTEGER PRIMARY KEY, gpu_name TEXT, reason TEXT NOT NULL, fleet TEXT NOT NULL, at INTEGER NOT NULL, permanent INTEGER NOT NULL)",
    );
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS tick_health (id INTEGER PRIMARY KEY CHECK (id = 1), observed_at INTEGER, pass_at INTEGER, fleets INTEGER NOT NULL, blind INTEGER NOT NULL)",
    );
  }

  /** Once per cron tick. A tick in which no fleet observed Vast keeps the last time one did. */
  async recordTick(tick: TickHealth): Promise<void> {
    const t = TickHealth.parse(tick);
    this.ctx.storage.sql.exec(
      `INSERT INTO tick_health (id, observed_at, pass_at, fleets, blind) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET observed_at = COALESCE(excluded.observed_at, observed_at),
         pass_at = COALESCE(excluded.pass_at, pass_at), fleets = excluded.fleets, blind = excluded.blind`,
      t.observedAt,
      t.passAt,
      t.fleets,
      t.blind,
    );
  }

  /**
   * The last tick's record with the time to judge it by: the passes' own clock (the simulator's
   * under `npm start` and in tests), so that health compares like with like.
   */
  async passHealth(): Promise<PassHealth> {
    const row = this.ctx.storage.sql.exec("SELECT observed_at, pass_at, fleets, blind FROM tick_health WHERE id = 1").toArray()[0];
    const tick = row ? TickHealth.parse({ observedAt: row.observed_at, passAt: row.pass_at, fleets: row.fleets, blind: row.blind }) : null;
    return { tick, now: await nowFor(this.env) };
  }

  /**
   * Every block that may still be in force at `now`; lapsed ones are dropped. All of them, not the
   * newest few: a fleet lifts an adopted block that is missing from this list. Lapsing blocks last
   * ten hours and permanent ones are No CUDA hosts, so the list stays in the hundreds.
   */
  async hostBlocks(now: number): Promise<SharedBlock[]> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM host_blocks WHERE permanent = 0 AND at <= ?", now - BLOCK_MS);
    return sql
      .exec("SELECT machine_id, gpu_name, reason, fleet, at, permanent FROM host_blocks ORDER BY at DESC")
      .toArray()
      .map((r) =>
        SharedBlock.parse({
          machineId: r.machine_id,
          gpuName: r.gpu_name,
          reason: r.reason,
          fleet: r.fleet,
          at: r.at,
          permanent: r.permanent === 1,
        }),
      );
  }

  /** A newer finding replaces an older one, except that a permanent block keeps its reason (No CUDA). */
  async shareHostBlocks(blocks: SharedBlock[]): Promise<void> {
    for (const b of blocks.map((x) => SharedBlock.parse(x))) {
      this.ctx.storage.sql.exec(
        `INSERT INTO host_blocks (machine_id, gpu_name, reason, fleet, at, permanent) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (machine_id) DO UPDATE SET gpu_name = excluded.gpu_name,
           reason = CASE WHEN permanent > excluded.permanent THEN reason ELSE excluded.reason END,
           fleet = CASE WHEN permanent > excluded.permanent THEN fleet ELSE excluded.fleet END,
           at = excluded.at, permanent = MAX(permanent, excluded.permanent)`,
        b.machineId,
        b.gpuName,
        b.reason,
        b.fleet,
        b.at,
        b.permanent ? 1 : 0,
      );
    }
  }

  /** DELETE /hosts/:machineId: the operator knows the host was fixed, for every fleet. */
  async forgetHost(machineId: number): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM host_blocks WHERE machine_id = ?", machineId);
  }

  async list(): Promise<string[]> {
    return this.ctx.storage.sql
      .exec<{ name: string }>("SELECT name FROM fleets ORDER BY name")
      .toArray()
      .map((r) => r.name);
  }

  async add(name: string): Promise<void> {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO fleets (name, created_at) VALUES (?, ?)", name, Date.now());
  }

  async remove(name: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM fleets WHERE name = ?", name);
  }
}

export const DEFAULT_FLEET = "zeb";

export function defaultFleet(env: Env): string {
  return env.ZEB_FLEET?.trim() || DEFAULT_FLEET;
}

export function registry(env: Env): DurableObjectStub<Registry> {
  return env.REGISTRY.getByName("registry");
}

/** Every fleet the cron should reconcile: the default plus those created through the API. */
export async function fleetNames(env: Env): Promise<string[]> {
  const stored = await registry(env).list();
  return [...new Set([defaultFleet(env), ...stored])].sort();
}
