import { isSimulated, SIM_ORIGIN } from "../../vast/transport";
import { newApi } from "../hono";

/**
 * The embedded simulator's control API (`/__sim/state`, `/__sim/control`, `/__sim/advance`, ...)
 * over HTTP, for demos and benchmarks against `npm start`. It exists only while VAST_API_URL is the
 * simulator, behind the same auth as everything else (POSTs need the admin token).
 */
export const sim = newApi();

sim.all("/__sim/*", async (c) => {
  if (!isSimulated(c.env))
    return c.json({ error: "not_found", message: "the simulator is not in use (VAST_API_URL is a real Vast endpoint)" }, 404);
  const url = new URL(c.req.url);
  const req = c.req.raw;
  const forwarded = new Request(`${SIM_ORIGIN}${url.pathname}${url.search}`, {
    method: req.method,
    headers: { "content-type": req.headers.get("content-type") ?? "application/json" },
    ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: await req.text() }),
  });
  return c.env.SIM.getByName("market").fetch(forwarded);
});
