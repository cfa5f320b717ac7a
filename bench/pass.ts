/**
 * CPU of a whole reconcile pass: observe → act as the fleet's Durable Object runs it,
 * for 4, 20 and 100 workers. The simulator's answers to one steady pass with a market search are
 * recorded once, then the pass is replayed from them through a fetch stand-in many times: the
 * stored state decoded (JSON and its zod schema), the Vast answers decoded, the search ranked,
 * the plan, and the state encoded at each journal and at the end. Only the network is left out.
 * Prints p50 and p95 of process CPU time (user + system, V8's GC and compiler threads included) and
 * of wall time per pass, the fastest pass's wall time, and the CPU of the passes in which a garbage
 * collection ran apart from the others (the tail is those passes). Per-thread CPU is not printed:
 * Linux updates a thread's figure only at scheduler ticks, so single passes read as 0 or as 4 ms.
 *
 * What workerd does differently is reproduced where it changes the figures: zod cannot compile
 * its parsers there (./workerd-zod.ts), and `Request` and `Response` are native objects, while
 * Node's are undici's JavaScript, whose `Request` ties an abort signal to an internal controller
 * through a `WeakRef` and a finalizer. The replays run with minimal objects in their place
 * (`LightRequest`, `LightResponse`: what the client reads of them); `--undici` keeps Node's own.
 * Either way the runtime's native work for a request is not counted.
 *
 * `--workers 4,20` measures only those sizes; `--cpu-prof DIR` writes a V8 CPU profile of each
 * size's measured replays (recording and warm-up left out) to DIR/pass-<n>.cpuprofile.
 * @module
 */
import "./workerd-zod";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { DEFAULTS } from "../src/config/fleet";
import { runPass } from "../src/reconcile/pass";
import { emptyState, FleetState } from "../src/reconcile/state";
import { SIM_ORIGIN } from "../src/vast/transport";
import { createVastClient } from "../src/vast/client";
import { memoryFirstSeen, simRig } from "./harness";

interface Answer {
  method: string;
  path: string;
  status: number;
  headers: [string, string][];
  body: string;
}

interface Recording {
  stateText: string;
  firstSeen: [string, number][];
  now: number;
  answers: Answer[];
  workers: number;
  offers: number;
}

function configFor(n: number) {
  return {
    ...DEFAULTS,
    workers: n,
    maxWorkers: n,
    maxLaunchesPerPass: n,
    maxLaunchesPerHour: 10 * n,
    maxDph: 0.5,
    uploadInterval: Math.max(240, Math.ceil((n * 3600) / 100)),
  };
}

/** Grows a fleet of n healthy workers in the simulator, then records the first full pass that searches the market. */
async function record(n: number): Promise<Recording> {
  let answers: Answer[] = [];
  // The calibrated market, duds included: without them other renters keep nearly every machine and a search finds none.
  const rig = simRig(7, 1_000_000, undefined, {
    // Twice the calibrated market at least, so that the recorded search under the cap fills most of its 64 rows (the heaviest ranking a pass does).
    marketScale: Math.max(2, Math.ceil(n / 10)),
    tap: async (req, res) => {
      const url = new URL(req.url);
      answers.push({ method: req.method, path: url.pathname, status: res.status, headers: [...res.headers], body: await res.text() });
    },
  });
  const config = configFor(n);
  let state = emptyState();
  const seen = new Map<string, number>();
  const firstSeen = memoryFirstSeen(seen);
  for (let pass = 0; pass < 240; pass++) {
    const before = { stateText: JSON.stringify(state), firstSeen: [...seen], now: rig.now() };
    answers = [];
    const out = await runPass("zeb", config, state, {
      vast: rig.vast,
      firstSeen,
      hfToken: "hf_x",
      now: before.now,
      journal: () => {},
      vastRequests: rig.requests,
    });
    state = out.state;
    const searched = answers.find((a) => a.path.startsWith("/api/v0/bundles"));
    const working = out.report.workers.filter((w) => w.phase === "RUNNING").length;
    const offers = searched ? (JSON.parse(searched.body) as { offers: unknown[] }).offers.length : 0;
    // A large fleet may keep a few slots booting or trading up: nine in ten running and a search of at least half a page is a steady pass.
    if (offers >= 32 && working >= Math.ceil(0.9 * n)) return { ...before, answers, workers: working, offers };
    rig.advance(60);
  }
  throw new Error(`no steady pass of ${n} workers (nine in ten running) with a search of 32 offers or more in 4 simulated hours`);
}

/** What the stand-in reads of a request: its URL and method. */
class LightRequest {
  readonly url: string;
  readonly method: string;
  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.method = init.method ?? "GET";
  }
}

/** What the client reads of an answer: its status and text. */
class LightResponse {
  constructor(
    readonly body: string,
    readonly status: number,
  ) {}
  text(): Promise<string> {
    return Promise.resolve(this.body);
  }
}

const undici = process.argv.includes("--undici");
const NodeRequest = globalThis.Request;
/** Runs the replays with the light objects in place of Node's (unless --undici); the recording keeps Node's, for the simulator. */
function lightRuntime(on: boolean): void {
  // A stand-in for the runtime's class: only the members the client reads exist (LightRequest).
  globalThis.Request = on && !undici ? (LightRequest as unknown as typeof Request) : NodeRequest;
}

/** One replay: the stored state decoded, the pass run on recorded answers, each journal and the end state encoded. Returns the journals. */
async function replay(rec: Recording, n: number): Promise<number> {
  let i = 0;
  const vast = createVastClient({
    baseUrl: SIM_ORIGIN,
    apiKey: "bench-key",
    fetch: async (req) => {
      const a = rec.answers[i++];
      const path = new URL(req.url).pathname;
      if (!a || a.method !== req.method || a.path !== path) throw new Error(`replay diverged at request ${i}: ${req.method} ${path}`);
      return undici
        ? new Response(a.body, { status: a.status, headers: a.headers })
        : (new LightResponse(a.body, a.status) as unknown as Response);
    },
    sleep: async () => {},
    logsPollMs: 0,
  });
  const state = FleetState.parse(JSON.parse(rec.stateText));
  let stored = "";
  let journals = 0;
  const out = await runPass("zeb", configFor(n), state, {
    vast,
    firstSeen: memoryFirstSeen(new Map(rec.firstSeen)),
    hfToken: "hf_x",
    now: rec.now,
    journal: (s) => {
      journals++;
      stored = JSON.stringify(s);
    },
    vastRequests: () => i,
  });
  stored = JSON.stringify(out.state);
  if (i !== rec.answers.length || stored.length === 0) throw new Error(`replay made ${i} requests, the recording ${rec.answers.length}`);
  return journals;
}

/** Median CPU ms of `f` over `reps` runs. */
function cpuOf(f: () => void, reps: number): number {
  const xs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1000);
  }
  return quantile(xs, 0.5);
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
const ms = (xs: number[], q: number) => (xs.length === 0 ? "-" : quantile(xs, q).toFixed(2));

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const sizes = arg("workers")?.split(",").map(Number);
const profileDir = arg("cpu-prof");

/** Starts a V8 CPU profile when asked; the returned function writes it. */
async function profile(n: number): Promise<() => Promise<void>> {
  if (profileDir === undefined) return async () => {};
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(`${profileDir}/pass-${n}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * Records in a child process. The simulator keeps its objects alive for hours of simulated time,
 * and V8 learns from that to allocate objects of the code both share directly in the old
 * generation (allocation-site pretenuring); the replays would then pay for collections a Worker's
 * isolate, which never runs the simulator, does not make.
 */
function recordApart(n: number): Recording {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [...process.execArgv, script, "--record", String(n)], {
    encoding: "utf8",
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out) as Recording;
}

const recordOnly = arg("record");
if (recordOnly !== undefined) {
  process.stdout.write(JSON.stringify(await record(Number(recordOnly))));
} else {
  console.log(
    `\nCPU of a whole pass, replayed from the simulator's recorded answers (Node/V8, ${undici ? "Node's own Request and Response" : "light Request and Response"}; ms, p50 / p95):`,
  );
  for (const [n, reps] of [
    [4, 400],
    [20, 200],
    [100, 60],
  ] as const) {
    if (sizes && !sizes.includes(n)) continue;
    const rec = recordApart(n);
    lightRuntime(true);
    const passes: { cpu: number; wall: number; from: number; to: number }[] = [];
    const collections: number[] = [];
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) collections.push(e.startTime);
    });
    gc.observe({ entryTypes: ["gc"] });
    let journals = 0;
    let stopProfile = async () => {};
    for (let r = 0; r < reps + 20; r++) {
      if (r === 20) stopProfile = await profile(n);
      const c0 = process.cpuUsage();
      const from = performance.now();
      journals = await replay(rec, n);
      const c = process.cpuUsage(c0);
      const to = performance.now();
      // The first 20 warm the JIT; a Worker's isolate stays warm between a fleet's passes.
      if (r >= 20) passes.push({ cpu: (c.user + c.system) / 1000, wall: to - from, from, to });
    }
    await stopProfile();
    lightRuntime(false);
    // GC entries are delivered after the fact: let them arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc.disconnect();
    const collected = (p: (typeof passes)[number]) => collections.some((at) => at >= p.from && at < p.to);
    const cpu = passes.map((p) => p.cpu);
    const wall = passes.map((p) => p.wall);
    const withGc = passes.filter(collected).map((p) => p.cpu);
    const clean = passes.filter((p) => !collected(p)).map((p) => p.cpu);
    console.log(
      `  ${String(n).padStart(3)} workers (${rec.workers} running, ${rec.answers.length} answers, search of ${rec.offers} offers, state ${(rec.stateText.length / 1024).toFixed(1)} KB): ` +
        `CPU ${ms(cpu, 0.5)} / ${ms(cpu, 0.95)}, wall ${ms(wall, 0.5)} / ${ms(wall, 0.95)}, fastest ${Math.min(...wall).toFixed(2)} (${reps} passes)`,
    );
    console.log(
      `      a garbage collection ran in ${withGc.length} of them (CPU p50 ${ms(withGc, 0.5)}); the other ${clean.length}: CPU ${ms(clean, 0.5)} / ${ms(clean, 0.95)}`,
    );
    const state = FleetState.parse(JSON.parse(rec.stateText));
    console.log(
      `      of which the state: decoded ${cpuOf(() => FleetState.parse(JSON.parse(rec.stateText)), reps).toFixed(2)} ms once, encoded ${cpuOf(() => JSON.stringify(state), reps).toFixed(2)} ms × ${journals + 1} (each journal and the end)`,
    );
  }
}
