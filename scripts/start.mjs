#!/usr/bin/env node
// `npm start`: the Worker under wrangler dev against the embedded Vast.ai simulator, with the cron
// fired on its schedule (wrangler dev never fires crons by itself). No account, network or secret:
// the tokens below are local-only defaults, printed so you can curl the API.
//
// Its state (the fleet's Durable Objects, KV, the simulated market) lives in its own directory,
// STATE_DIR, never in wrangler's default .wrangler/state: a later plain `wrangler dev` against the
// real Vast URL must not find simulated instances, host records or a target of 4 there. The
// directory is emptied at each start unless `npm start -- --keep`.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const SPEED = Number(process.env.SIM_SPEED ?? 20); // simulated seconds per real second
const WORKERS = process.env.ZEB_WORKERS ?? "4";
const ADMIN = process.env.API_TOKEN ?? "local-admin-token";
const READ = process.env.API_READ_TOKEN ?? "local-read-token";
const TICK_MS = Math.max(500, Math.round(60_000 / SPEED)); // one cron tick per simulated minute
const STATE_DIR = fileURLToPath(new URL("../.wrangler/npm-start-state", import.meta.url));
const KEEP = process.argv.slice(2).includes("--keep");
const unknown = process.argv.slice(2).filter((a) => a !== "--keep");
if (unknown.length > 0) {
  console.error(`npm start: unknown argument(s) ${unknown.join(" ")}; the only one is --keep (keep the last run's state)`);
  process.exit(2);
}
if (!KEEP) rmSync(STATE_DIR, { recursive: true, force: true });

function freePort(preferred) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => {
      const any = createServer();
      any.listen(0, "127.0.0.1", () => {
        const { port } = any.address();
        any.close(() => resolve(port));
      });
    });
    server.listen(preferred, "127.0.0.1", () => server.close(() => resolve(preferred)));
  });
}

const port = await freePort(Number(process.env.PORT ?? 8787));
const base = `http://localhost:${port}`;
const vars = {
  VAST_API_URL: "http://vast-simulator",
  HF_ENDPOINT: "http://vast-simulator/__sim/hf",
  VAST_API_KEY: "local-simulator-key",
  HF_TOKEN: "hf_localsimulatortoken",
  API_TOKEN: ADMIN,
  API_READ_TOKEN: READ,
  SIM_SPEED: String(SPEED),
  ZEB_WORKERS: WORKERS,
};
const args = [
  "dev",
  "--test-scheduled",
  "--persist-to",
  STATE_DIR,
  "--port",
  String(port),
  "--ip",
  "127.0.0.1",
  "--show-interactive-dev-session=false",
];
for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);

const wrangler = spawn("wrangler", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
// Offline, wrangler reports that it cannot reach Cloudflare (Request.cf, its update check): harmless here.
const quiet = /Request\.cf|ENOTFOUND|GetAddrInfoReqWrap|__scheduled|^\s*$|GET \/status|POST \/|\[wrangler:info\] (GET|POST)/;
for (const stream of [wrangler.stdout, wrangler.stderr]) {
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    for (const line of chunk.split("\n")) if (!quiet.test(line)) process.stdout.write(`  wrangler | ${line}\n`);
  });
}
wrangler.on("exit", (code) => {
  console.log(`wrangler exited (${code})`);
  process.exit(code ?? 1);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => wrangler.kill(sig));

async function ready() {
  for (let i = 0; i < 240; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200 || r.status === 503) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("wrangler dev did not start within 2 minutes");
}
await ready();

const auth = `-H 'Authorization: Bearer ${ADMIN}'`;
console.log(`
vastfleet is running at ${base} against the embedded Vast.ai simulator
(simulated time runs ${SPEED}x: one cron tick every ${(TICK_MS / 1000).toFixed(1)}s is one simulated minute; target ${WORKERS} workers).
Local-only tokens: admin ${ADMIN}, read-only ${READ}.
State: ${STATE_DIR} (${KEEP ? "kept from the last run" : "fresh"}; \`npm start -- --keep\` keeps it next time), apart from wrangler dev's own .wrangler/state.

Try:
  curl -s ${auth} '${base}/status?format=text'
  curl -s ${auth} -X POST '${base}/scale?n=6'
  curl -s ${auth} -X POST '${base}/up?n=1&gpu=RTX_3060'
  curl -s ${auth} -X POST '${base}/reconcile?dry_run=1'
  curl -s ${auth} '${base}/events?limit=20'
  curl -s ${auth} -X POST '${base}/down?confirm=zeb'
  open ${base}/ in a browser for the dashboard
Ctrl-C stops it.
`);

let ticking = false;
setInterval(async () => {
  if (ticking) return;
  ticking = true;
  try {
    await fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
  } catch {
    // wrangler restarting: the next tick catches up (every pass is level-triggered).
  } finally {
    ticking = false;
  }
}, TICK_MS);
