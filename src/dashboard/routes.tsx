/**
 * The dashboard's shell: the page, its script and stylesheet. Served before the API's auth
 * (src/app.ts) because it holds no fleet data and a browser cannot attach a bearer token to a
 * navigation; the data comes from the authenticated API (/status, /history, /whoami, ...).
 * @module
 */

import { Hono } from "hono";
import type { ApiEnv } from "../api/hono";
import { secure } from "../api/secure";
import { APP_CSS } from "./style";
import { APP_JS } from "./client";
import { Page } from "./page";

/** Paths the shell serves without a token; test/api/auth.test.ts allows exactly these. */
export const SHELL_PATHS: readonly string[] = ["/", "/assets/app.js", "/assets/app.css"];

export const shell = new Hono<ApiEnv>();

shell.get("/", (c) => {
  secure(c);
  return c.html(<Page />);
});

shell.get("/assets/app.js", (c) => {
  secure(c);
  return c.body(APP_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });
});

shell.get("/assets/app.css", (c) => {
  secure(c);
  return c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
});
