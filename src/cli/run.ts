/**
 * One `npx vastfleet` invocation without Node: arguments in, a request through the injected
 * `fetch`, the answer rendered, an exit code out. bin/vastfleet.mjs does the process I/O; the
 * tests inject the Worker's own fetch handler.
 * @module
 */

import { z } from "zod";
import { parseArgs, type Sources } from "./args";
import { EXIT, type ExitCode, exitForStatus } from "./exit";
import { renderAnswer } from "./render";
import { buildRequest } from "./request";

export interface CliResult {
  code: ExitCode;
  stdout: string;
  stderr: string;
}

export type Fetch = (url: string, init: { method: string; headers: Record<string, string> }) => Promise<Response>;

const ApiError = z.object({ error: z.string(), message: z.string() });

/** Socket errors raised before a connection exists: the request cannot have reached the Worker. */
const NO_CONNECTION = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TLS = /^(CERT_|ERR_TLS_|ERR_SSL_)|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/** Node's fetch wraps the socket's error as `cause`; trying several addresses makes it an AggregateError of them. */
export function neverSent(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const code = "code" in e ? e.code : undefined;
  if (typeof code === "string" && (NO_CONNECTION.has(code) || TLS.test(code))) return true;
  // The fetch standard's blocked ports (1, 25, ...) fail before connecting, with no code.
  if (e instanceof Error && e.message === "bad port") return true;
  if (e instanceof AggregateError && e.errors.length > 0) return e.errors.every(neverSent);
  return "cause" in e && e.cause !== e && neverSent(e.cause);
}

const line = (s: string) => (s === "" || s.endsWith("\n") ? s : `${s}\n`);

export async function runCli(argv: readonly string[], sources: Sources, fetch: Fetch): Promise<CliResult> {
  const parsed = parseArgs(argv, sources);
  if (!parsed.ok)
    return parsed.help
      ? { code: EXIT.ok, stdout: line(parsed.error), stderr: "" }
      : { code: EXIT.usage, stdout: "", stderr: line(parsed.error) };
  const inv = parsed.value;
  const req = buildRequest(inv);
  const origin = new URL(req.url).origin;

  let status: number;
  let body: string;
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers });
    status = res.status;
    body = await res.text();
  } catch (e) {
    // Names the origin only: the message of a failed fetch never carries the token, which is in a header.
    const why = e instanceof Error ? e.message : String(e);
    // An action that may have reached the Worker (a timeout, a dropped connection) is not "unreachable":
    // /up raises the target before its pass, so rerunning it would rent as many again.
    if (req.method !== "GET" && !neverSent(e))
      return {
        code: EXIT.uncertain,
        stdout: "",
        stderr: line(
          `${inv.command.command}: no answer from ${origin} (${why}): it may have been applied; check \`vastfleet status\` before retrying`,
        ),
      };
    return { code: EXIT.unreachable, stdout: "", stderr: line(`cannot reach ${origin}: ${why}`) };
  }

  const code = exitForStatus(status);
  if (code !== EXIT.ok) {
    let shown = `HTTP ${status}`;
    try {
      const e = ApiError.safeParse(JSON.parse(body));
      if (e.success) shown = `HTTP ${status} ${e.data.error}: ${e.data.message}`;
    } catch {
      // Not the API's JSON (a proxy's page): the status says enough.
    }
    return { code, stdout: inv.json ? line(body) : "", stderr: line(`${inv.command.command}: ${shown}`) };
  }

  // --json prints the answer as sent, but only once it is the route's answer; a failed preflight is exit 1 either way.
  const rendered = renderAnswer(inv.command, body);
  if (!rendered.ok)
    return { code: EXIT.apiError, stdout: "", stderr: line(`${inv.command.command}: HTTP ${status} but ${rendered.error}`) };
  const done = rendered.failed ? EXIT.apiError : EXIT.ok;
  return { code: done, stdout: line(inv.json ? body : rendered.text), stderr: "" };
}
