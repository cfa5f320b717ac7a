/**
 * The Worker's HTTP app: the dashboard's shell first, then the operator API. The order is the
 * point: the shell (page, script, stylesheet) holds no fleet data and a browser cannot send a
 * bearer token on a navigation, so its routes answer before the API's middleware (redaction,
 * auth, body limit) is reached; every other request goes through that middleware.
 * @module
 */

import { Hono } from "hono";
import { api, notFound, onError } from "./api/app";
import type { ApiEnv } from "./api/hono";
import { shell } from "./dashboard/routes";

export const app = new Hono<ApiEnv>();

app.route("/", shell);
app.route("/", api);
app.notFound(notFound);
app.onError(onError);
