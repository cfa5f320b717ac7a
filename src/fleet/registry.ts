import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/**
 * The names of the fleets the cron reconciles. One object ("registry") so that creating and
 * deleting fleets is strongly consistent; the default fleet (ZEB_FLEET) is always included.
 */
export class Registry extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS fleets (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL)");
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

/** Every fleet the cron should reconcile: the default plus those created through the API. */
export async function fleetNames(env: Env): Promise<string[]> {
  const stored = await env.REGISTRY.getByName("registry").list();
  return [...new Set([defaultFleet(env), ...stored])].sort();
}
