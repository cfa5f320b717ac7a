/**
 * The Worker's entry: the HTTP API, the cron tick, and the Durable Object classes wrangler.toml
 * binds.
 * @module
 */

import type { Env } from "./env";
import { app } from "./app";
import { tickAll } from "./fleet/cron";
import { redact } from "./redact";

export { FleetObject } from "./fleet/object";
export { Registry } from "./fleet/registry";
export { SimObject } from "./sim/object";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      tickAll(env).then((results) => {
        for (const r of results) if (r.error) console.error(`tick ${r.fleet}: ${redact(r.error, env)}`);
      }),
    );
  },
} satisfies ExportedHandler<Env>;
