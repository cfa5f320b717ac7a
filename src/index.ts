import { Hono } from "hono";
import type { Env } from "./env";

export { FleetObject } from "./fleet/object";
export { Registry } from "./fleet/registry";
export { SimObject } from "./sim/object";

const app = new Hono<{ Bindings: Env }>();
app.get("/healthz", (c) => c.json({ ok: true }));

export default {
  fetch: app.fetch,
  async scheduled(_controller, _env, _ctx) {},
} satisfies ExportedHandler<Env>;
