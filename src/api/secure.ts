/**
 * The headers of every page a browser renders from this Worker (the dashboard's shell and the API's
 * /docs): strict CSP, no sniffing, no framing, no caching. Here so that the API and the dashboard
 * both use it without either importing the other.
 * @module
 */

import type { Context } from "hono";

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function secure(c: Context): void {
  c.header("Content-Security-Policy", CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  // The pages are tiny; never caching them means a deploy is seen on the next reload.
  c.header("Cache-Control", "no-store");
}
