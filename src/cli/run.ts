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
    return { code: EXIT.unreachable, stdout: "", stderr: line(`cannot reach ${origin}: ${e instanceof Error ? e.message : String(e)}`) };
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
