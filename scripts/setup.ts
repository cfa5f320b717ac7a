/**
 * `npm run setup`: the first deploy, guided. Asks what the fleet needs (or takes it from flags and
 * the environment), writes the `ZEB_*` settings into wrangler.toml's [vars], generates the API
 * tokens, deploys with every secret in one `wrangler deploy --secrets-file` (which works before
 * the Worker exists, unlike `wrangler secret put`), prints the tokens once, runs the preflight,
 * waits for the first cron pass and prints the dashboard URL. README "Deploying for real" is the
 * same steps by hand. `VASTFLEET_WRANGLER` replaces the wrangler binary (the tests' fake).
 *
 * Exit 0 when deployed, ready and passing; 1 when a step failed (deploy, preflight, first pass);
 * 2 when the answers are incomplete or invalid (nothing was changed).
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { urlProblem } from "../src/cli/args";
import { formatPreflight, preflightRequest, readAnswer } from "../src/preflight/cli";
import { type AnswerKey, type Answers, answerProblems, deployedUrl, newToken, QUESTIONS, secretsFor, varsFor } from "../src/setup/answers";
import { setVars } from "../src/setup/toml";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = process.env.VASTFLEET_WRANGLER || join(ROOT, "node_modules", ".bin", "wrangler");
const USAGE = `usage: npm run setup -- [--hf-repo OWNER/NAME] [--examples-repo OWNER/NAME] [--weights NAME]
  [--code-repo URL] [--branch B] [--max-price DPH] [--slack-webhook URL] [--vast-key K] [--hf-token T]
  [--yes] [--url URL] [--config wrangler.toml] [--n N] [--wait S] [--poll S]
Secrets are better given as VAST_API_KEY, HF_TOKEN and SLACK_WEBHOOK_URL in the environment than as flags.`;

interface Options {
  given: Partial<Answers>;
  yes: boolean;
  url: string | null;
  config: string;
  n: number;
  waitS: number;
  pollS: number;
}

function parseFlags(argv: string[]): Options | string {
  const byFlag = new Map(Object.entries(QUESTIONS).map(([key, q]) => [q.flag, key as AnswerKey]));
  const o: Options = { given: {}, yes: false, url: null, config: join(ROOT, "wrangler.toml"), n: 1, waitS: 300, pollS: 5 };
  for (let i = 0; i < argv.length; i++) {
    const [name = "", inline] = (argv[i] ?? "").replace(/^--/, "").split(/=(.*)/s, 2);
    if (name === "yes" || name === "y") {
      o.yes = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) return `--${name} needs a value`;
    const key = byFlag.get(name);
    if (key) o.given[key] = value;
    else if (name === "url") o.url = value.replace(/\/+$/, "");
    else if (name === "config") o.config = resolve(value);
    else if (name === "n" && /^\d{1,4}$/.test(value)) o.n = Number(value);
    else if (name === "wait" && /^\d+$/.test(value)) o.waitS = Number(value);
    else if (name === "poll" && /^\d+(\.\d+)?$/.test(value)) o.pollS = Number(value);
    // The flag's name only, never its value: `--vast-kye=SECRET` is a typo of a secret.
    else return `unknown or malformed argument --${name}`;
  }
  const unsafe = o.url === null ? null : urlProblem(o.url);
  return unsafe ? `--url: ${unsafe}` : o;
}

/** Flag, else environment, else the prompt (a secret without echo), else with --yes the default. */
async function gather(o: Options): Promise<Answers | string[]> {
  let muted = false;
  const out = new Writable({ write: (chunk, _enc, done) => (muted ? done() : process.stdout.write(chunk, done)) });
  const rl = o.yes ? null : createInterface({ input: process.stdin, output: out, terminal: process.stdin.isTTY === true });
  // Lines are read through one iterator, which buffers them: piped answers arrive before they are asked for.
  const lines = rl?.[Symbol.asyncIterator]();
  const answers: Partial<Answers> = {};
  const missing: string[] = [];
  try {
    for (const [key, q] of Object.entries(QUESTIONS) as [AnswerKey, (typeof QUESTIONS)[AnswerKey]][]) {
      let value = o.given[key] ?? (q.env ? process.env[q.env] : undefined);
      if (value === undefined && lines) {
        const hint = q.fallback ? ` [${q.fallback}]` : "";
        process.stdout.write(`${q.ask}${hint}: `);
        muted = q.secret;
        const next = await lines.next();
        value = (next.done ? "" : String(next.value)).trim() || q.fallback || "";
        muted = false;
        if (q.secret) process.stdout.write("\n");
      }
      value ??= q.fallback ?? (q.optional ? "" : undefined);
      if (value === undefined) missing.push(`--${q.flag}${q.env ? ` (or ${q.env})` : ""}: ${q.ask}`);
      else answers[key] = value;
    }
  } finally {
    rl?.close();
  }
  return missing.length > 0 ? missing : (answers as Answers);
}

/** Scratch directories and running children that must not outlive setup, however it ends. */
const scratch = new Set<string>();
const children = new Set<ChildProcess>();
const removeScratch = () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  scratch.clear();
};
// Node's default SIGINT/SIGTERM/SIGHUP handling exits without running `finally`: it would leave the
// secrets file behind. The handlers stop wrangler, remove it, and exit as the signal would (128 + n).
process.on("exit", removeScratch);
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const)
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    removeScratch();
    process.exit(code);
  });

/** Runs wrangler with its output shown as it comes, and kept to read the deployed URL from. */
function wrangler(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(WRANGLER, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    children.add(child);
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("error", fail);
    child.on("close", (code) => {
      children.delete(child);
      done({ code: code ?? 1, output });
    });
  });
}

/** The deploy, its secrets in a file only wrangler reads (mode 600, outside the repository), deleted whatever happens. */
async function deploy(config: string, secrets: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "vastfleet-setup-"));
  scratch.add(dir);
  const file = join(dir, "secrets.json");
  try {
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
    return await wrangler(["deploy", "--config", config, "--secrets-file", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    scratch.delete(dir);
  }
}

async function preflight(url: string, token: string, n: number): Promise<boolean> {
  const req = preflightRequest({ url, token, n: String(n), slack: false });
  try {
    const res = await fetch(req.url, { headers: req.headers, signal: AbortSignal.timeout(60_000) });
    const answer = readAnswer(res.status, await res.text());
    if (!answer.ok) {
      console.log(`preflight: ${answer.error}`);
      return false;
    }
    console.log(formatPreflight(answer.value));
    return answer.value.ok;
  } catch (e) {
    console.log(`preflight: cannot reach ${url}: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

/** /healthz answers 200 once a cron pass has listed Vast (the cron runs every minute). */
async function firstPass(url: string, waitS: number, pollS: number): Promise<boolean> {
  const until = Date.now() + waitS * 1000;
  let last = "no answer yet";
  while (Date.now() <= until) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 200) return true;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, pollS * 1000));
  }
  console.log(`no pass listed Vast within ${waitS}s; last /healthz: ${last}`);
  return false;
}

async function main(): Promise<number> {
  const o = parseFlags(process.argv.slice(2));
  if (typeof o === "string") {
    console.error(`${o}\n${USAGE}`);
    return 2;
  }
  const answers = await gather(o);
  if (Array.isArray(answers)) {
    console.error(`setup needs (nothing was changed):\n${answers.map((m) => `  ${m}`).join("\n")}\n${USAGE}`);
    return 2;
  }
  const problems = answerProblems(answers);
  if (problems.length > 0) {
    console.error(`setup cannot use these answers (nothing was changed):\n${problems.map((p) => `  ${p}`).join("\n")}`);
    return 2;
  }

  console.log("\n1/5 Cloudflare account (wrangler whoami)");
  if ((await wrangler(["whoami"])).code !== 0) {
    console.error("not logged in to Cloudflare: run `npx wrangler login`, then setup again (nothing was changed)");
    return 1;
  }

  const vars = varsFor(answers);
  writeFileSync(o.config, setVars(readFileSync(o.config, "utf8"), vars));
  console.log(`\n2/5 ${o.config}: [vars] ${Object.keys(vars).join(", ")} set`);

  console.log("\n3/5 deploy, with every secret in one upload (wrangler deploy --secrets-file)");
  const tokens = { admin: newToken(), read: newToken() };
  const deployed = await deploy(o.config, secretsFor(answers, tokens));
  if (deployed.code !== 0) {
    console.error(`wrangler deploy failed (exit ${deployed.code}); the settings in ${o.config} stay, no token was issued`);
    return 1;
  }
  const url = o.url ?? deployedUrl(deployed.output);
  if (!url) {
    console.error("deployed, but wrangler printed no workers.dev URL: run setup again with --url https://<your route>");
    return 1;
  }
  console.log(`
The API tokens, printed this once and kept nowhere else (the Worker holds them as secrets):
  API_TOKEN       ${tokens.admin}   (everything)
  API_READ_TOKEN  ${tokens.read}   (reads only: dashboards, uptime checks)
For the CLI:  export VASTFLEET_URL=${url} VASTFLEET_TOKEN=<API_TOKEN>`);

  console.log(`\n4/5 preflight at target ${o.n} (rents nothing)`);
  const ready = await preflight(url, tokens.admin, o.n);

  console.log(`\n5/5 waiting up to ${o.waitS}s for the first cron pass (GET /healthz)`);
  const passing = await firstPass(url, o.waitS, o.pollS);
  if (passing) console.log(`first pass done. Dashboard: ${url}/   (sign in with API_TOKEN or API_READ_TOKEN)`);
  if (ready && passing) console.log(`Next: npx vastfleet scale ${o.n}`);
  else console.log("Fix what is named above, then npx vastfleet preflight; the deploy itself is done.");
  return ready && passing ? 0 : 1;
}

process.exitCode = await main();
