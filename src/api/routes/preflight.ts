import { runPreflight } from "../../preflight/run";
import { lookupFleet } from "../fleet";
import { newApi } from "../hono";
import { fail } from "../respond";
import { preflightRoute } from "../schemas";

/** `GET /preflight`: before the first rent, is everything in place? Checks that fail are a 200 that says so. */
export const preflight = newApi();

preflight.openapi(preflightRoute, async (c) => {
  const { fleet, n, slack } = c.req.valid("query");
  const found = await lookupFleet(c.env, fleet);
  if (!found.ok) return fail(c, found);
  return c.json(await runPreflight(c.env, found.value.name, found.value.stub, { n: n ?? null, slack }), 200);
});
