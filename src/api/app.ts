/**
 * The operator API, mounted by src/app.ts after the dashboard's shell (which is served before auth).
 * Order matters: responses are guarded first (so even errors are redacted and uncached), then the
 * settings are checked and every request is authenticated before its body is read (auth.ts), then
 * size-capped.
 * CORS stays closed: no route sets Access-Control-Allow-Origin, so browsers on other origins
 * cannot read answers or send credentialed mutations.
 * @module
 */

import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { redact } from "../redact";
import { requireAuth } from "./auth";
import { type ApiEnv, newApi } from "./hono";
import { guardResponses } from "./redact-responses";
import { actions } from "./routes/actions";
import { dashboardReads } from "./routes/dashboard-reads";
import { fleets } from "./routes/fleets";
import { preflight } from "./routes/preflight";
import { reads } from "./routes/reads";
import { sim } from "./routes/sim";
import { docsPage } from "./docs";
import { secure } from "./secure";

export const MAX_BODY_BYTES = 64 * 1024;

export const api = newApi();

api.use("*", guardResponses);
api.use("*", requireAuth);
api.use(
  "*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.json({ error: "payload_too_large", message: `request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB` }, 413),
  }),
);

api.route("/", reads);
api.route("/", actions);
api.route("/", fleets);
api.route("/", preflight);
api.route("/", dashboardReads);
api.route("/", sim);

api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "API_TOKEN for everything, API_READ_TOKEN for GET routes only",
});
const DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "vastfleet operator API",
    version: "1.0.0",
    description:
      "Keeps a fleet of rented Vast.ai GPU workers alive. Every route but /healthz, /openapi.json and /docs needs a bearer token.",
  },
};
// The API's description holds no fleet data or secret, so it is open (auth.ts OPEN_PATHS), as /docs is.
api.doc31("/openapi.json", DOCUMENT);
api.get("/docs", (c) => {
  secure(c);
  return c.html(docsPage(api.getOpenAPI31Document(DOCUMENT)));
});

/**
 * The API's answers for no route and for a thrown error. Set on the app that serves requests
 * (src/app.ts): Hono uses the serving app's handlers, not those of an app mounted in it.
 */
export const notFound: NotFoundHandler<ApiEnv> = (c) =>
  c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404);

export const onError: ErrorHandler<ApiEnv> = (err, c) => {
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    // Hono's own errors (malformed JSON, 415) come as plain text; answer them in the API's shape.
    if (res.headers.get("content-type")?.startsWith("application/json")) return res;
    return c.json(
      { error: err.status === 415 ? "unsupported_media_type" : "bad_request", message: err.message || res.statusText },
      err.status,
    );
  }
  console.error(`api ${c.req.method} ${c.req.path}: ${redact(String(err), c.env)}`);
  return c.json({ error: "internal", message: redact(err instanceof Error ? err.message : String(err), c.env) }, 500);
};
