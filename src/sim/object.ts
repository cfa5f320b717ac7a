import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { Market } from "./market";
import type { MarketState } from "./types";

/** `npm start` runs the market faster than real time (SIM_SPEED simulated seconds per second). */
function simSpeed(raw: string | undefined): number {
  const speed = Number(raw ?? 1);
  return Number.isFinite(speed) && speed >= 0 ? speed : 1;
}

/** Storage values are capped at 128 KiB, so the state JSON is stored in chunks. */
const CHUNK = 100_000;

/**
 * The embedded market behind http://vast-simulator. It keeps a Market in memory and persists
 * its JSON after every request that changed something; real time comes from Date.now().
 */
export class SimObject extends DurableObject<Env> {
  private market: Market | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.market = await this.load();
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const market = this.ready();
    const res = await market.handle(request, Date.now());
    if (market.dirty) await this.save(market);
    return res;
  }

  /** Sim now (epoch ms): the fleet code reads it to judge ages against the simulated clock. */
  async clock(): Promise<number> {
    const market = this.ready();
    const now = market.now(Date.now());
    if (market.dirty) await this.save(market);
    return now;
  }

  private ready(): Market {
    if (!this.market) throw new Error("SimObject used before its state was loaded");
    return this.market;
  }

  private async load(): Promise<Market> {
    const count = await this.ctx.storage.get<number>("chunks");
    if (!count) return new Market({ startMs: Date.now(), speed: simSpeed(this.env.SIM_SPEED) });
    const keys = Array.from({ length: count }, (_, i) => `state:${i}`);
    const parts = await this.ctx.storage.get<string>(keys);
    const text = keys.map((k) => parts.get(k) ?? "").join("");
    return new Market(JSON.parse(text) as MarketState);
  }

  private async save(market: Market): Promise<void> {
    const text = JSON.stringify(market.state);
    const entries: Record<string, string | number> = {};
    const count = Math.ceil(text.length / CHUNK);
    for (let i = 0; i < count; i++) entries[`state:${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
    entries.chunks = count;
    await this.ctx.storage.put(entries);
    market.dirty = false;
  }
}
