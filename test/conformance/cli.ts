/**
 * The requests Vast's CLI puts on the wire, rebuilt from what vast-cli's source says it does
 * (vast-ai/vast-cli @ 55679830, `vastai/api/client.py` `VastClient`, which uses Python `requests`):
 *
 * - path: a subpath not starting with `/api/vN/` gets `/api/v0` in front (`_build_url`), and is
 *   otherwise sent as written, trailing slash or not;
 * - query: `k=quote_plus(v)` for a string value, `k=quote_plus(json.dumps(v))` for anything else,
 *   in the order the dict was built;
 * - headers: `User-Agent: vastai-cli/<version>` and `Authorization: Bearer <key>` (`_build_headers`),
 *   on top of what a `requests` session always sends;
 * - body: `json=` of the dict, so `json.dumps` with its default separators and `Content-Type:
 *   application/json`; `put`, `post` and `delete` send `{}` when given no dict, `get` no body;
 * - retries: up to 3 attempts on 429, 502, 503 and 504, sleeping 0.15 s, then ×1.5 (`_request`);
 * - result URLs (logs): fetched with a bare `requests.get`, after a 0.3 s sleep, up to 30 times,
 *   until a 200 (`vastai/api/instances.py` `_poll_result_url`).
 */
import { request as httpRequest } from "node:http";

/** A Python float: `json.dumps(10.0)` is `10.0`, where JSON.stringify would write `10`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyValue = string | number | boolean | null | PyFloat | PyValue[] | { [key: string]: PyValue };

/** `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, non-ASCII escaped. */
export function pyDumps(value: PyValue): string {
  if (value instanceof PyFloat) return Number.isInteger(value.value) ? `${value.value}.0` : String(value.value);
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pyDumps(k)}: ${pyDumps(v)}`)
    .join(", ")}}`;
}

/** `urllib.parse.quote_plus`: only letters, digits and `_.-~` stay; a space becomes `+`. */
export function quotePlus(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.~-]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** `VastClient._build_url`'s path and query, for a server URL. */
export function cliUrl(server: string, subpath: string, query: [string, PyValue][] = []): string {
  const path = /^\/api\/v\d+\//.test(subpath) ? subpath : `/api/v0${subpath}`;
  const qs = query.map(([k, v]) => `${k}=${quotePlus(typeof v === "string" ? v : pyDumps(v))}`).join("&");
  return `${server}${path}${qs ? `?${qs}` : ""}`;
}

/** The CLI's version in its User-Agent: vast-cli's newest tag at the commit read. */
const CLI_USER_AGENT = "vastai-cli/1.5.2";
/** What a `requests` session sends on every request (requests.utils.default_headers). */
const REQUESTS_DEFAULTS = { "Accept-Encoding": "gzip, deflate", Accept: "*/*", Connection: "keep-alive" };

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The exact request line and headers sent, for failure messages. */
  sent: string;
}

/** One HTTP exchange, with the bytes and headers given and nothing added but Host and Content-Length. */
function exchange(method: string, url: string, headers: Record<string, string>, body: string | null): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const all = { ...headers, ...(body === null ? {} : { "Content-Length": String(Buffer.byteLength(body)) }) };
    const req = httpRequest(target, { method, headers: all, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        // Python keeps the connection until the session is collected; here it goes at once, so no socket outlives a case.
        req.destroy();
        const sent = `${method} ${target.pathname}${target.search} ${JSON.stringify(all)}${body === null ? "" : ` ${body}`}`;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8"), sent });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== null) req.write(body);
    req.end();
  });
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Cli {
  get(subpath: string, query?: [string, PyValue][]): Promise<Reply>;
  put(subpath: string, body?: PyValue): Promise<Reply>;
  post(subpath: string, body?: PyValue): Promise<Reply>;
  delete(subpath: string, body?: PyValue): Promise<Reply>;
}

/** Vast's CLI pointed at `server` (`vastai --url server --api-key key`). */
export function vastCli(server: string, apiKey: string | null): Cli {
  const headers: Record<string, string> = { ...REQUESTS_DEFAULTS, "User-Agent": CLI_USER_AGENT };
  if (apiKey !== null) headers.Authorization = `Bearer ${apiKey}`;
  const send = async (method: string, url: string, body: PyValue | undefined): Promise<Reply> => {
    const text = body === undefined ? null : pyDumps(body);
    const sendHeaders = text === null ? headers : { ...headers, "Content-Type": "application/json" };
    let wait = 150;
    for (let attempt = 1; ; attempt++) {
      const reply = await exchange(method, url, sendHeaders, text);
      if (!RETRYABLE.has(reply.status) || attempt === 3) return reply;
      await sleep(wait);
      wait *= 1.5;
    }
  };
  return {
    get: (subpath, query = []) => send("GET", cliUrl(server, subpath, query), undefined),
    put: (subpath, body = {}) => send("PUT", cliUrl(server, subpath), body),
    post: (subpath, body = {}) => send("POST", cliUrl(server, subpath), body),
    delete: (subpath, body = {}) => send("DELETE", cliUrl(server, subpath), body),
  };
}

/** A bare `requests.get(url)`: the session's defaults and its own User-Agent, no key. */
export function plainGet(url: string): Promise<Reply> {
  return exchange("GET", url, { ...REQUESTS_DEFAULTS, "User-Agent": "python-requests/2.33.0" }, null);
}

/** `_poll_result_url`: the text once the URL answers 200, or null after 30 tries 0.3 s apart. */
export async function pollResultUrl(url: string): Promise<{ text: string; polls: number } | null> {
  for (let polls = 1; polls <= 30; polls++) {
    await sleep(300);
    const reply = await plainGet(url);
    if (reply.status === 200) return { text: reply.text, polls };
  }
  return null;
}
