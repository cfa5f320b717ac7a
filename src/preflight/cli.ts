/**
 * `npm run preflight`'s logic without Node: its arguments, the request it sends and the report it
 * prints, so that a test runs them against the real route. scripts/preflight.ts only does the I/O.
 * @module
 */

import { z } from "zod";
import { PreflightBody } from "../api/preflight-body";

export const USAGE =
  "usage: npm run preflight -- --url https://vastfleet.<you>.workers.dev [--token T] [--fleet F] [--n N] [--slack]   (token also from VASTFLEET_TOKEN)";

const CliOptions = z.object({
  url: z.url({
    protocol: /^https?$/,
    error: "--url: the Worker's http(s) URL, e.g. https://vastfleet.<you>.workers.dev or http://localhost:8787",
  }),
  token: z
    .string({ error: "--token or VASTFLEET_TOKEN: the admin token (API_TOKEN)" })
    .min(1, "--token or VASTFLEET_TOKEN: the admin token (API_TOKEN)"),
  fleet: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "--fleet: a fleet name")
    .optional(),
  n: z
    .string()
    .regex(/^\d{1,4}$/, "--n: the target you are about to set, a whole number")
    .optional(),
  slack: z.boolean(),
});
export type CliOptions = z.infer<typeof CliOptions>;

/** `--name value` pairs and the `--slack` switch; the token from `--token`, else VASTFLEET_TOKEN. */
export function parseCli(
  args: readonly string[],
  envToken: string | undefined,
): { ok: true; value: CliOptions } | { ok: false; error: string } {
  const raw: Record<string, string | boolean | undefined> = { slack: false, token: envToken || undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [name, inline] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    if (name === "slack") raw.slack = true;
    else if (name === "url" || name === "token" || name === "fleet" || name === "n") {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith("--")) return { ok: false, error: `--${name} needs a value\n${USAGE}` };
      raw[name] = value;
    } else return { ok: false, error: `unknown argument ${arg}\n${USAGE}` };
  }
  const parsed = CliOptions.safeParse(raw);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: `${parsed.error.issues.map((i) => i.message).join("; ")}\n${USAGE}` };
}

/** The route and header the script sends: the token only ever in the Authorization header. */
export function preflightRequest(o: CliOptions): { url: string; headers: Record<string, string> } {
  const url = new URL("/preflight", o.url);
  if (o.fleet) url.searchParams.set("fleet", o.fleet);
  if (o.n !== undefined) url.searchParams.set("n", o.n);
  if (o.slack) url.searchParams.set("slack", "1");
  return { url: url.toString(), headers: { authorization: `Bearer ${o.token}`, accept: "application/json" } };
}

export type PreflightAnswer = z.infer<typeof PreflightBody>;

/** The answer, or why it is not one (an API error, a body that is not the preflight's). */
export function readAnswer(status: number, text: string): { ok: true; value: PreflightAnswer } | { ok: false; error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: `HTTP ${status}: not JSON: ${text.slice(0, 200)}` };
  }
  if (status !== 200) {
    const e = z.object({ error: z.string(), message: z.string() }).safeParse(body);
    return { ok: false, error: e.success ? `HTTP ${status} ${e.data.error}: ${e.data.message}` : `HTTP ${status}` };
  }
  const parsed = PreflightBody.safeParse(body);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: `HTTP 200 but not a preflight answer: ${parsed.error.issues[0]?.path.join(".")}` };
}

/** What a person reads: each check with its fix, then the rentals and their cost. */
export function formatPreflight(a: PreflightAnswer): string {
  const lines = [
    `Preflight of fleet ${a.fleet} at target ${a.target}: ${a.ok ? "ready" : `${a.checks.filter((c) => !c.ok).length} check(s) failed`}`,
    "",
  ];
  for (const c of a.checks) {
    lines.push(`${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(15)} ${c.detail}`);
    if (c.fix) lines.push(`     ${"".padEnd(15)} fix: ${c.fix}`);
  }
  lines.push("");
  const first = a.firstPass;
  if (!first) lines.push("First pass: unknown (the market could not be searched)");
  else if (first.rentals.length === 0) lines.push("First pass: rents nothing");
  else {
    lines.push("First pass would rent:");
    for (const r of first.rentals)
      lines.push(
        `  slot ${r.slot}  ${r.gpu.padEnd(12)} $${r.dph.toFixed(3)}/h  ~${Math.round(r.gamesPerDollar / 1000)}K games/$  (machine ${r.machineId})`,
      );
    lines.push(`  total $${first.dph.toFixed(3)}/h, $${first.perDay.toFixed(2)}/day`);
  }
  return lines.join("\n");
}
