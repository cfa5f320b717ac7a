/**
 * The HTTP request each CLI command is: the same routes a curl user calls (README, "A session with
 * curl"). The token travels only in the Authorization header, never in the URL.
 * @module
 */

import type { Invocation } from "./args";

export interface CliRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  /** The body is the API's `?format=text` table, printed as is. */
  text: boolean;
}

export function buildRequest(inv: Invocation): CliRequest {
  const c = inv.command;
  const query: Record<string, string | undefined> = { fleet: inv.fleet };
  let method: CliRequest["method"] = "POST";
  let path = `/${c.command}`;
  let text = false;
  switch (c.command) {
    case "status":
      method = "GET";
      text = !inv.json;
      if (text) query.format = "text";
      break;
    case "scale":
      query.n = String(c.n);
      break;
    case "up":
      query.n = String(c.n);
      query.gpu = c.gpu;
      break;
    case "down":
      query.confirm = c.confirm;
      break;
    case "pause":
    case "resume":
      break;
    case "events":
      method = "GET";
      query.limit = String(c.limit);
      break;
    case "logs":
      method = "GET";
      path = `/instances/${c.id}/logs`;
      query.tail = String(c.tail);
      break;
    case "hosts":
      method = "GET";
      break;
    case "preflight":
      method = "GET";
      query.n = c.target === undefined ? undefined : String(c.target);
      query.slack = c.slack ? "1" : undefined;
      break;
  }
  const url = new URL(path, inv.url);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  return {
    method,
    url: url.toString(),
    headers: { authorization: `Bearer ${inv.token}`, accept: text ? "text/plain" : "application/json" },
    text,
  };
}
