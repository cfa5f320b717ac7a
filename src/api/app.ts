import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { redact } from "../redact";
import { requireAuth } from "./auth";
import { newApi } from "./hono";
import { guardResponses } from "./redact-responses";
import { actions } from "./routes/actions";
import { fleets } from "./routes/fleets";
import { preflight } from "./routes/preflight";
import { reads } from "./routes/reads";
import { sim } from "./routes/sim";
import { dashboardApi, secure, shell } from "../dashboard/routes";
import { docsPage } from "./docs";

/**
 * The operator API. Order matters: responses are guarded first (so even errors are redacted and
 * uncached), then the settings are checked and every request is authenticated before its body is
 * read (auth.ts), then size-capped.
 * CORS stays closed: no route sets Access-Control-Allow-Origin, so browsers on other origins
 * cannot read answers or send credentialed mutations.
 */

export const MAX_BODY_BYTES = 64 * 1024;

export const app = newApi();

// The dashboard page and its assets hold no fleet data and load before sign-in: served ahead of auth.
app.route("/", shell);
app.use("*", guardResponses);
app.use("*", requireAuth);
app.use(
  "*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.json({ error: "payload_too_large", message: `request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB` }, 413),
  }),
);

app.route("/", reads);
app.route("/", actions);
app.route("/", fleets);
app.route("/", preflight);
app.route("/", dashboardApi);
app.route("/", sim);

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
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
app.doc31("/openapi.json", DOCUMENT);
app.get("/docs", (c) => {
  secure(c);
  return c.html(docsPage(app.getOpenAPI31Document(DOCUMENT)));
});

app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404));

app.onError((err, c) => {
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
});
