/**
 * `npx vastfleet`'s command line: which command, its operands and flags, and where the Worker's URL,
 * the token and the fleet come from (a flag, else VASTFLEET_URL / VASTFLEET_TOKEN / VASTFLEET_FLEET,
 * else the config file). Pure: the entry reads the environment and the file and hands them in.
 * @module
 */

import { z } from "zod";
import { FleetName, GpuName } from "../config/fleet";

export const USAGE = `usage: vastfleet <command> [--url URL] [--token TOKEN] [--fleet FLEET] [--json]

  status                     the fleets' table (one fleet with --fleet)
  scale N                    set the target to N and run a pass now
  up N [--gpu G]             add N to the target and launch now, optionally only on GPU model G
  down --confirm FLEET       destroy every instance of the fleet and set its target to 0
                             (without --confirm: what it would destroy; nothing changes)
  pause | resume             autonomous actions off / on (observing and alerting go on)
  events [--limit N]         the event log, newest first (default 20)
  logs ID [--tail N]         a worker's last log lines (default 50)
  hosts                      hosts the fleet learned about: strikes, blocks and why
  preflight [--n N] [--slack]  what the first scale depends on; rents nothing

URL and token: --url/--token, else VASTFLEET_URL/VASTFLEET_TOKEN, else ~/.config/vastfleet/config.json
({"url": "...", "token": "...", "fleet": "..."}; $XDG_CONFIG_HOME/vastfleet/config.json when set).
Exit codes: 0 ok, 1 API error or failed preflight, 2 usage, 3 auth, 4 not found, 5 busy, 6 unreachable,
7 an action sent but not answered (it may have been applied: check status before retrying).`;

const count = (what: string, max: number) =>
  z
    .string({ error: `${what}: a whole number is needed` })
    .regex(/^\d{1,7}$/, `${what}: a whole number`)
    .transform(Number)
    .refine((n) => n <= max, `${what}: at most ${max}`);

const id = z
  .string({ error: "ID: the instance id is needed (the ID column of status)" })
  .regex(/^[1-9]\d{0,15}$/, "ID: an instance id, a whole number");

const Commands = z.discriminatedUnion("command", [
  z.strictObject({ command: z.literal("status") }),
  z.strictObject({ command: z.literal("scale"), n: count("N", 100_000) }),
  z.strictObject({ command: z.literal("up"), n: count("N", 100_000), gpu: GpuName.optional() }),
  z.strictObject({ command: z.literal("down"), confirm: z.string().max(64).optional() }),
  z.strictObject({ command: z.literal("pause") }),
  z.strictObject({ command: z.literal("resume") }),
  z.strictObject({ command: z.literal("events"), limit: count("--limit", 1000).default(20) }),
  z.strictObject({ command: z.literal("logs"), id, tail: count("--tail", 1000).default(50) }),
  z.strictObject({ command: z.literal("hosts") }),
  z.strictObject({ command: z.literal("preflight"), target: count("--n", 100_000).optional(), slack: z.literal(true).optional() }),
]);
export type Command = z.infer<typeof Commands>;
export type CommandName = Command["command"];

/** The first operand of the commands that take one, by the name the command's schema gives it. */
const OPERAND: Partial<Record<string, "n" | "id">> = { scale: "n", up: "n", logs: "id" };

/** Flags with a value, and the key each becomes in its command's schema. */
const VALUED: Record<string, string> = {
  url: "url",
  token: "token",
  fleet: "fleet",
  gpu: "gpu",
  confirm: "confirm",
  limit: "limit",
  tail: "tail",
  n: "target",
};
const SWITCHES = new Set(["json", "slack"]);

/** The config file's shape (`~/.config/vastfleet/config.json`); every key optional. */
export const ConfigFile = z.strictObject({
  url: z.string().optional(),
  token: z.string().optional(),
  fleet: z.string().optional(),
});
export type ConfigFile = z.infer<typeof ConfigFile>;

const Target = z.object({
  url: z.url({
    protocol: /^https?$/,
    error: "the Worker's http(s) URL is needed: --url, VASTFLEET_URL or the config file, e.g. https://vastfleet.<you>.workers.dev",
  }),
  token: z
    .string({ error: "a token is needed: --token, VASTFLEET_TOKEN or the config file (API_TOKEN, or API_READ_TOKEN for reads)" })
    .min(1, "a token is needed: --token, VASTFLEET_TOKEN or the config file"),
  fleet: FleetName.optional(),
});

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Why the token must not go to this URL, or null. Never quotes the URL: it may hold a password.
 * Plain http only to this machine (the bearer token would cross the network in clear text).
 */
export function urlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "the URL is not a valid http(s) URL";
  }
  if (u.username !== "" || u.password !== "")
    return "the URL carries user:password@ credentials: remove them (the token goes with --token, VASTFLEET_TOKEN or the config file)";
  if (u.protocol === "http:" && !LOOPBACK.has(u.hostname))
    return "an http:// URL is allowed only for localhost, 127.0.0.1 or [::1]: the token would travel in clear text; use https://";
  return null;
}

export interface Invocation {
  command: Command;
  url: string;
  token: string;
  fleet: string | undefined;
  json: boolean;
}

/** Where the settings come from besides the flags: the environment, and the config file's text (null when there is none). */
export interface Sources {
  env: { VASTFLEET_URL?: string | undefined; VASTFLEET_TOKEN?: string | undefined; VASTFLEET_FLEET?: string | undefined };
  configFile: { path: string; text: string } | null;
}

/** `help` when the usage was asked for (`--help`): printed to stdout, exit 0. */
export type Parsed = { ok: true; value: Invocation } | { ok: false; error: string; help?: true };

const problem = (error: string): Parsed => ({ ok: false, error: `${error}\n\n${USAGE}` });
const issues = (e: z.ZodError) =>
  e.issues.map((i) =>
    i.code === "unrecognized_keys" ? `${i.keys.map((k) => `--${k}`).join(", ")}: not an option of this command` : i.message,
  );

function readConfig(file: Sources["configFile"]): { ok: true; value: ConfigFile } | { ok: false; error: string } {
  if (file === null) return { ok: true, value: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(file.text);
  } catch {
    return { ok: false, error: `${file.path}: not JSON` };
  }
  const parsed = ConfigFile.safeParse(raw);
  // Names the keys only: the file holds the token.
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: `${file.path}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "keys"} ${i.message}`).join("; ")}` };
}

/** argv after the program name: a command, its operand, then `--name value`, `--name=value` or a switch, in any order. */
export function parseArgs(argv: readonly string[], sources: Sources): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h" || arg === "help") return { ok: false, error: USAGE, help: true };
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name = "", inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (SWITCHES.has(name) && inline === undefined) flags[name] = true;
    else if (VALUED[name]) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith("--"))) return problem(`--${name} needs a value`);
      flags[name] = value;
    } else return problem(`unknown option --${name}`); // never the value: `--tokn=SECRET` is a typo of a secret
  }
  const [name, operand, ...extra] = positional;
  if (name === undefined) return problem("no command");
  if (extra.length > 0) return problem(`unexpected ${extra.join(" ")}`);
  const key = OPERAND[name];
  if (operand !== undefined && key === undefined) return problem(`${name} takes no operand (${operand})`);

  const { url, token, fleet, json, ...own } = flags;
  const raw: Record<string, unknown> = { command: name, ...Object.fromEntries(Object.entries(own).map(([k, v]) => [VALUED[k] ?? k, v])) };
  if (key) raw[key] = operand;
  const command = Commands.safeParse(raw);
  if (!command.success) {
    const unknown = command.error.issues.some((i) => i.code === "invalid_union" && i.path.length === 1 && i.path[0] === "command");
    return problem(unknown ? `unknown command ${name}` : issues(command.error).join("; "));
  }

  const config = readConfig(sources.configFile);
  if (!config.ok) return { ok: false, error: config.error };
  const pick = (flag: string | true | undefined, envValue: string | undefined, fileValue: string | undefined) =>
    (typeof flag === "string" ? flag : undefined) ?? (envValue || undefined) ?? fileValue;
  const target = Target.safeParse({
    url: pick(url, sources.env.VASTFLEET_URL, config.value.url),
    token: pick(token, sources.env.VASTFLEET_TOKEN, config.value.token),
    fleet: pick(fleet, sources.env.VASTFLEET_FLEET, config.value.fleet),
  });
  if (!target.success) return problem(issues(target.error).join("; "));
  const { url: base, token: secret, fleet: chosen } = target.data;
  const unsafe = urlProblem(base);
  if (unsafe) return problem(unsafe);
  return { ok: true, value: { command: command.data, url: base, token: secret, fleet: chosen, json: json === true } };
}
