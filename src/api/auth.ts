/**
 * Bearer auth for every route but the open ones. API_TOKEN may do everything, API_READ_TOKEN only
 * read. An unset API_TOKEN closes mutations (503) instead of opening them, because a Worker
 * deployed before its secrets are put must not hand the fleet's credit card to anyone. A malformed
 * endpoint or token closes every route, /healthz included, with a 503 naming it (settings.ts):
 * only tokens that passed validation are ever compared.
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqual } from "hono/utils/buffer";
import { apiSettings } from "../config/settings";
import type { ApiEnv } from "./hono";

export type Role = "admin" | "read";

/**
 * Reachable without a token: the uptime check must watch the watcher without holding a secret, and
 * the API's description (document and page) names routes and fields, no fleet data or secret.
 */
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz", "/openapi.json", "/docs"]);

const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/** GETs only the admin token may send: the preflight can post to Slack and says what the account can do. */
export const ADMIN_PATHS: ReadonlySet<string> = new Set(["/preflight"]);

const unauthorized = (message: string) => ({ message: { error: "unauthorized", message } });

export const requireAuth: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const settings = apiSettings(c.env);
  if (!settings.ok) {
    return c.json(
      {
        error: "not_configured",
        message: `${settings.errors.join("; ")}; fix it with wrangler secret put (tokens) or wrangler.toml [vars] (URLs)`,
      },
      503,
    );
  }
  if (OPEN_PATHS.has(c.req.path)) return next();
  const { admin, reader } = settings.value;
  const adminOnly = !READ_METHODS.has(c.req.method) || ADMIN_PATHS.has(c.req.path);
  if (!admin && (adminOnly || !reader)) {
    return c.json(
      {
        error: "not_configured",
        message: "set the API_TOKEN secret (wrangler secret put API_TOKEN) to use this API; it stays closed until then",
      },
      503,
    );
  }
  // Secrets live on c.env, so the middleware is built per request.
  const check = bearerAuth<ApiEnv>({
    realm: "vastfleet",
    verifyToken: async (token, ctx) => {
      // Both comparisons always run so that timing does not tell which token was close.
      const [isAdmin, isReader] = await Promise.all([
        admin ? timingSafeEqual(admin, token) : false,
        reader ? timingSafeEqual(reader, token) : false,
      ]);
      const role: Role | null = isAdmin ? "admin" : isReader ? "read" : null;
      if (role) ctx.set("role", role);
      return role !== null;
    },
    noAuthenticationHeader: unauthorized("send Authorization: Bearer <API_TOKEN or API_READ_TOKEN>"),
    invalidAuthenticationHeader: { message: { error: "invalid_request", message: "the Authorization header must be Bearer <token>" } },
    invalidToken: unauthorized("the bearer token is not valid"),
  });
  await check(c, async () => {});
  if (adminOnly && c.get("role") !== "admin") {
    return c.json({ error: "forbidden", message: `the read-only token cannot ${c.req.method} ${c.req.path}; use API_TOKEN` }, 403);
  }
  return next();
};
