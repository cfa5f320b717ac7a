/**
 * The HTTP under the Vast client: one deadline per try, retries by policy, a cap on open
 * connections, and the key kept out of every error.
 * @module
 */

import type { z } from "zod";
import { malformed, VastError } from "./errors";
import type { PacingRule } from "./pacing";
import { ErrorBody } from "./schemas";

export type FetchLike = (req: Request) => Promise<Response>;

/** `fn` over `items`, at most `limit` at once (Workers allow 6 open connections per invocation); results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

export interface HttpOptions {
  baseUrl: string;
  apiKey?: string;
  fetch: FetchLike;
  retries: number;
  backoffMs: number;
  sleep: (ms: number) => Promise<void>;
  timeoutMs: number;
  userAgent: string;
}

/**
 * Which failures a call may repeat. A request that might have been carried out must not be
 * repeated when repeating it has a cost (see createInstance).
 */
export interface RetryPolicy {
  statuses: ReadonlySet<number>;
  /** Retry when the answer was lost (timeout, connection error). */
  lost: boolean;
}

export const IDEMPOTENT: RetryPolicy = { statuses: new Set([429, 502, 503, 504]), lost: true };

export interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Starts with `/api/vN/`; ends with a slash like the CLI's paths. */
  path: string;
  /** Non-string values are JSON-encoded, as the CLI does. */
  query?: Record<string, unknown>;
  body?: unknown;
  policy?: RetryPolicy;
  /** Per attempt, instead of the client's default. */
  timeoutMs?: number;
  /**
   * The endpoint's rate limit (src/vast/pacing.ts): a 429 is retried after its penalty, not the
   * backoff, since a retry inside Vast's interval is refused again. Another fleet or client on
   * the account may have called it a moment before.
   */
  pacing?: PacingRule;
}

export interface Reply {
  endpoint: string;
  status: number;
  text: string;
  attempts: number;
}

type Outcome = { ok: true; status: number; text: string } | { ok: false; kind: "timeout" | "network"; detail: string };

const MAX_DETAIL = 300;

/** The single-character escapes JSON allows and what they decode to (`\uXXXX` is not among them: it could be any character). */
const UNESCAPED = new Map(Object.entries({ '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }));

export function createHttp(o: HttpOptions) {
  const key = o.apiKey ? o.apiKey : null;

  /** The key must never surface, even if a server or a fetch error echoes it back. */
  const redact = (s: string): string => (key === null ? s : s.split(key).join("[redacted]"));
  const keyChars = new Set(key ?? "");

  /**
   * Whether a JSON text could decode to a string holding the key: written out, or spelled with an
   * escape that yields one of its characters (any `\u` escape counts). When it cannot, a reviver
   * would return every value unchanged, and one scan of the text is far cheaper than a reviver
   * call for every value.
   */
  function mayHoldKey(text: string): boolean {
    if (key === null) return false;
    if (text.includes(key)) return true;
    // From each backslash past the character it escapes, so that an escaped backslash (`\\`) is one escape.
    for (let i = text.indexOf("\\"); i >= 0; i = text.indexOf("\\", i + 2)) {
      const char = UNESCAPED.get(text.charAt(i + 1));
      if (char === undefined || keyChars.has(char)) return true;
    }
    return false;
  }

  /** One try under its own deadline. Racing the timer (not only aborting) also covers a fetch that ignores its signal. */
  async function attempt(url: string, init: RequestInit, timeoutMs = o.timeoutMs): Promise<Outcome> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ ok: false, kind: "timeout", detail: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
    });
    const exchange = (async (): Promise<Outcome> => {
      const res = await o.fetch(new Request(url, { ...init, signal: controller.signal }));
      return { ok: true, status: res.status, text: await res.text() };
    })().catch((e: unknown): Outcome => {
      if (controller.signal.aborted) return { ok: false, kind: "timeout", detail: `no answer within ${timeoutMs} ms` };
      return { ok: false, kind: "network", detail: redact(e instanceof Error ? e.message : String(e)).slice(0, MAX_DETAIL) };
    });
    try {
      return await Promise.race([exchange, deadline]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  function urlOf(call: Call): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(call.query ?? {})) {
      params.set(name, typeof value === "string" ? value : JSON.stringify(value));
    }
    const qs = params.toString();
    return o.baseUrl + call.path + (qs ? `?${qs}` : "");
  }

  function initOf(call: Call): RequestInit {
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": o.userAgent };
    if (key !== null) headers.Authorization = `Bearer ${key}`;
    if (call.method === "GET") return { method: call.method, headers };
    headers["Content-Type"] = "application/json";
    return { method: call.method, headers, body: JSON.stringify(call.body ?? {}) };
  }

  /** Sends with bounded retries; returns the last HTTP answer, whatever its status. Throws only when no answer arrived. */
  async function request(call: Call): Promise<Reply> {
    const endpoint = `${call.method} ${call.path}`;
    const policy = call.policy ?? IDEMPOTENT;
    const url = urlOf(call);
    let delay = o.backoffMs;
    for (let n = 1; ; n++) {
      const out = await attempt(url, initOf(call), call.timeoutMs);
      const last = n >= o.retries;
      if (out.ok) {
        if (last || !policy.statuses.has(out.status)) return { endpoint, status: out.status, text: out.text, attempts: n };
      } else if (last || !policy.lost) {
        const what = out.kind === "timeout" ? "timed out" : "network error";
        throw new VastError(out.kind, endpoint, `${endpoint} ${what} after ${n} attempt${n === 1 ? "" : "s"}: ${out.detail}`);
      }
      const penalty = out.ok && out.status === 429 ? (call.pacing?.penaltyMs ?? 0) : 0;
      await o.sleep(Math.max(delay, penalty));
      delay *= 1.5;
    }
  }

  /** Vast's `msg` (or the plain-text body), shortened and scrubbed, for error messages. */
  function describe(text: string): { msg: string; code?: string } {
    let msg = text.trim();
    let code: string | undefined;
    try {
      const body = ErrorBody.safeParse(JSON.parse(text));
      if (body.success) {
        msg = body.data.msg ?? body.data.message ?? body.data.detail ?? body.data.error ?? msg;
        code = body.data.error;
      }
    } catch {
      // Plain text (e.g. "API requests too frequent"): keep it as the message.
    }
    msg = redact(msg).slice(0, MAX_DETAIL);
    return code === undefined ? { msg } : { msg, code: redact(code).slice(0, 64) };
  }

  function failure(reply: Reply): VastError {
    const { status, endpoint, attempts } = reply;
    const { msg, code } = describe(reply.text);
    const kind =
      status === 429 ? "rate_limited" : status >= 502 && status <= 504 ? "unavailable" : status === 401 || status === 403 ? "auth" : "http";
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    return new VastError(kind, endpoint, `${endpoint} failed with ${status}${tries}: ${msg || "(empty body)"}`, {
      status,
      ...(code === undefined ? {} : { code }),
    });
  }

  /** Parses a 2xx JSON answer. String values that contain the key are scrubbed before zod sees them, because schemas pass unknown fields through. */
  function decode<S extends z.ZodType>(reply: Reply, schema: S): z.output<S> {
    if (reply.status < 200 || reply.status > 299) throw failure(reply);
    let raw: unknown;
    try {
      raw = mayHoldKey(reply.text)
        ? JSON.parse(reply.text, (_k, v: unknown) => (typeof v === "string" ? redact(v) : v))
        : JSON.parse(reply.text);
    } catch {
      throw new VastError("malformed", reply.endpoint, `malformed response from ${reply.endpoint}: body is not JSON`, {
        status: reply.status,
      });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw malformed(reply.endpoint, parsed.error);
    return parsed.data;
  }

  /** An unauthenticated GET (the log file on S3 must not receive the key); null when there was no answer. */
  async function fetchPlain(url: string): Promise<{ status: number; text: string } | null> {
    const out = await attempt(url, { method: "GET" });
    return out.ok ? { status: out.status, text: redact(out.text) } : null;
  }

  return { request, decode, describe, fetchPlain };
}
