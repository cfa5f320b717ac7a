import type { Env } from "../env";
import { fleetNames } from "./registry";

/**
 * The cron tick fans out to one Durable Object per fleet, so fleets run in parallel, each with its
 * own lease and subrequest budget, and one slow or failing fleet never holds up another.
 */
export async function tickAll(env: Env): Promise<{ fleet: string; ran: boolean; error: string | null }[]> {
  const fleets = await fleetNames(env);
  return Promise.all(
    fleets.map(async (fleet) => {
      try {
        const r = await env.FLEET.getByName(fleet).tick(fleet);
        return { fleet, ran: r.ran, error: null };
      } catch (e) {
        return { fleet, ran: false, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}
