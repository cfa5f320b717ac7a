#!/usr/bin/env node
// Load benchmark: 1,000 mixed API requests, 50 at a time, against `wrangler dev` with the embedded
// simulator on loopback. Bounded (a hard timeout kills everything) and self-stopping (wrangler is
// killed at the end). Fails (exit 1) on any 5xx or on inconsistent state afterwards.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { pathToFileURL } from "node:url";

export const ADMIN = "bench-admin-token";
const TOTAL = Number(process.env.LOAD_REQUESTS ?? 1000);
const CONCURRENCY = 50;
const HARD_TIMEOUT_MS = 8 * 60_000;

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** wrangler dev with the simulator, like scripts/start.mjs; resolves once /healthz answers. */
export async function startWrangler({ speed, workers = "0", quiet = true }) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const vars = {
    VAST_API_URL: "http://vast-simulator",
    HF_ENDPOINT: "http://vast-simulator/__sim/hf",
    VAST_API_KEY: "bench-simulator-key",
    HF_TOKEN: "hf_benchsimulatortoken",
    API_TOKEN: ADMIN,
    API_READ_TOKEN: "bench-read-token",
    SIM_SPEED: String(speed),
    ZEB_WORKERS: workers,
  };
  // A fresh persistence directory per run, so that no fleet or market of an earlier run is reused.
  const persist = `.wrangler/bench-${process.pid}-${port}`;
  const args = [
    "dev",
    "--test-scheduled",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--show-interactive-dev-session=false",
    "--persist-to",
    persist,
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", ["wrangler", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    detached: true,
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (d) => {
      output = (output + d).slice(-20_000);
      if (!quiet) process.stdout.write(d);
    });
  }
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  };
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200 || r.status === 503) return { base, stop, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  stop();
  throw new Error(`wrangler dev did not start within 2 minutes:\n${output}`);
}

export async function req(base, path, method = "GET", body) {
  const headers = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - t0, text };
}

export async function tick(base) {
  await fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).then((r) => r.text());
}

export function pct(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const MIX = [
  ["status", () => ["/status"]],
  ["status-text", () => ["/status?format=text"]],
  ["events", () => ["/events?limit=50"]],
  ["scale", (i) => [`/scale?n=${2 + (i % 3)}`, "POST"]],
  ["reconcile-dry", () => ["/reconcile?dry_run=1", "POST"]],
  ["fleets", () => ["/fleets"]],
  ["healthz", () => ["/healthz"]],
];

async function main() {
  const hard = setTimeout(() => {
    console.error(`load: hard timeout after ${HARD_TIMEOUT_MS / 1000}s`);
    process.exit(2);
  }, HARD_TIMEOUT_MS);
  // 20 simulated seconds per real second, like npm start; a cron tick every 3 s is one simulated minute.
  const w = await startWrangler({ speed: 20, workers: "2" });
  let ticker;
  try {
    await tick(w.base);
    let ticking = false;
    ticker = setInterval(async () => {
      if (ticking) return;
      ticking = true;
      await tick(w.base).catch(() => {});
      ticking = false;
    }, 3000);

    const samples = [];
    let next = 0;
    const t0 = performance.now();
    const runner = async () => {
      while (next < TOTAL) {
        const i = next++;
        const [name, make] = MIX[i % MIX.length];
        const [path, method] = make(i);
        try {
          const r = await req(w.base, path, method);
          samples.push({ name, status: r.status, ms: r.ms, body: r.status >= 500 ? r.text.slice(0, 200) : "" });
        } catch (e) {
          samples.push({ name, status: 0, ms: 0, body: String(e) });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, runner));
    const wall = performance.now() - t0;

    console.log(
      `\nload: ${samples.length} requests, ${CONCURRENCY} at a time, in ${(wall / 1000).toFixed(1)} s (${Math.round(samples.length / (wall / 1000))} req/s)`,
    );
    console.log("route class        n    p50 ms   p99 ms   statuses");
    for (const [name] of [...MIX, ["overall"]]) {
      const s = name === "overall" ? samples : samples.filter((x) => x.name === name);
      const statuses = Object.entries(s.reduce((m, x) => ((m[x.status] = (m[x.status] ?? 0) + 1), m), {}))
        .map(([k, v]) => `${k}×${v}`)
        .join(" ");
      const ms = s.map((x) => x.ms);
      console.log(
        `${name.padEnd(16)} ${String(s.length).padStart(4)} ${pct(ms, 50).toFixed(1).padStart(9)} ${pct(ms, 99).toFixed(1).padStart(8)}   ${statuses}`,
      );
    }
    const bad = samples.filter((x) => x.status >= 500 || x.status === 0);
    for (const b of bad.slice(0, 5)) console.log(`  ${b.name} → ${b.status}: ${b.body}`);

    // State consistency: settle on a final target, run passes until the fleet holds exactly it.
    clearInterval(ticker);
    ticker = undefined;
    const final = 3;
    let scaled = await req(w.base, `/scale?n=${final}`, "POST");
    for (let i = 0; i < 20 && scaled.status === 409; i++) {
      await new Promise((r) => setTimeout(r, 500));
      scaled = await req(w.base, `/scale?n=${final}`, "POST");
    }
    let consistent = false;
    let detail = "";
    for (let pass = 0; pass < 12 && !consistent; pass++) {
      await tick(w.base);
      await new Promise((r) => setTimeout(r, 1500));
      const status = JSON.parse((await req(w.base, "/status")).text);
      const fleet = status.fleets.find((f) => f.fleet === "zeb") ?? status.fleets[0];
      const last = fleet.lastPass;
      const workers = fleet.instances ?? [];
      const slots = workers.map((x) => x.slot);
      const target = fleet.target;
      const acted = (last?.actions ?? []).length;
      detail = `pass ${pass + 1}: target ${target}, listed ${workers.length}, slots [${slots.sort((a, b) => a - b).join(",")}], actions ${acted}, held ${JSON.stringify(last?.held ?? [])}, errors ${JSON.stringify(last?.errors ?? []).slice(0, 300)}`;
      // Exactly the target, or fewer only when the pass says why (the simulated market's faults can
      // open the breaker); never above it, never a slot twice, nothing left in flight.
      const explained = workers.length === final || (workers.length < final && (last?.held ?? []).length > 0);
      consistent = target === final && explained && new Set(slots).size === slots.length && acted === 0 && fleet.pending.launches === 0;
    }
    console.log(`state after the load: ${consistent ? "consistent" : "NOT consistent"} (${detail})`);
    const ok = bad.length === 0 && consistent;
    console.log(ok ? "load: OK (no 5xx, state consistent)" : `load: FAILED (${bad.length} 5xx/network errors, consistent=${consistent})`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    if (ticker) clearInterval(ticker);
    w.stop();
    clearTimeout(hard);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
