import { runPreflight } from "../../preflight/run";
import { newApi } from "../hono";
import { preflightRoute } from "../fleet-schemas";

/** `GET /preflight`: before the first rent, is everything in place? Checks that fail are a 200 that says so. */
export const preflight = newApi();

preflight.openapi(preflightRoute, async (c) => {
  const { n, slack } = c.req.valid("query");
  const { name, stub } = c.var.fleet;
  return c.json(await runPreflight(c.env, name, stub, { n: n ?? null, slack }), 200);
});
