/**
 * `npm run sim -- --port P [--seed S] [--speed X] [--key K] [--host H]`: the Vast.ai market
 * simulator (src/sim) served over plain HTTP, so Vast's own CLI (`vastai --url`), our client or a
 * user's scripts can be pointed at it. The Market runs here in Node as it does in the Durable
 * Object, in memory: stopping the server forgets the market.
 *
 * What Vast authenticates, this server authenticates with one key; `/__sim/*` (the log files, the
 * Hugging Face stand-in and the simulator's controls) is open, as Vast's S3 log URLs are.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { z } from "zod";
import { vastError } from "../src/sim/http";
import { Market } from "../src/sim/index";

const Options = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default("127.0.0.1"),
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(42),
  speed: z.coerce.number().min(0).max(1_000_000).default(1),
  key: z.string().regex(/^\S+$/, "one word, no spaces").default("local-simulator-key"),
});

/** Vast serves this list to anyone: its CLI fetches it at import, with no key (vast-cli vastai/cli/util.py `_get_gpu_names`). */
const KEYLESS_VAST_PATHS = new Set(["/api/v0/gpu_names/unique"]);

const USAGE = "usage: npm run sim -- [--port P] [--seed S] [--speed X] [--key K] [--host H]";

function options(): z.output<typeof Options> {
  const flags = {
    port: { type: "string" },
    host: { type: "string" },
    seed: { type: "string" },
    speed: { type: "string" },
    key: { type: "string" },
  } as const;
  let problems: string[];
  try {
    const parsed = Options.safeParse(parseArgs({ options: flags, strict: true }).values);
    if (parsed.success) return parsed.data;
    problems = parsed.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`);
  } catch (err) {
    problems = [err instanceof Error ? err.message : String(err)];
  }
  console.error([...problems, USAGE].join("\n"));
  return process.exit(2);
}
const opts = options();

// The clock starts at the real now, so the ages Vast's CLI computes from start_date read right.
const market = new Market({ seed: opts.seed, speed: opts.speed, startMs: Date.now() });

/** Bearer header or `api_key` query parameter, the two ways Vast takes a key (docs: destroy_instance.yaml). */
function hasKey(req: Request, url: URL): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "")?.[1];
  return bearer === opts.key || url.searchParams.get("api_key") === opts.key;
}

async function answer(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname.startsWith("/__sim/")) return market.handle(req, Date.now());
  if (KEYLESS_VAST_PATHS.has(url.pathname.replace(/\/+$/, ""))) return market.handle(req, Date.now());
  if (!hasKey(req, url)) return vastError(401, "auth_error", "Invalid user key");
  return market.handle(req, Date.now());
}

/**
 * One request at a time, as a Durable Object serves the Market: handle() awaits bodies and
 * delays, and two interleaved requests could otherwise rent the same offer.
 */
let queue: Promise<unknown> = Promise.resolve();
function serially<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

/** The Host header the client used names the origin of `result_url`s, so log links resolve from that client. */
function toRequest(msg: IncomingMessage, body: Buffer, fallbackHost: string): Request {
  const host = /^[\w.-]+(:\d+)?$|^\[[\da-fA-F:]+\](:\d+)?$/.test(msg.headers.host ?? "") ? msg.headers.host : fallbackHost;
  const headers = new Headers();
  for (const [name, value] of Object.entries(msg.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = msg.method ?? "GET";
  return new Request(new URL(msg.url ?? "/", `http://${host}`), {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? null : body,
  });
}

async function serve(msg: IncomingMessage, out: ServerResponse, fallbackHost: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of msg) chunks.push(chunk as Buffer);
  let res: Response;
  try {
    const req = toRequest(msg, Buffer.concat(chunks), fallbackHost);
    res = await serially(() => answer(req));
  } catch (err) {
    console.error(`sim: ${msg.method} ${msg.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    res = vastError(500, "server_error", "simulator error");
  }
  const body = Buffer.from(await res.arrayBuffer());
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  out.writeHead(res.status, { ...headers, "content-length": String(body.length) });
  out.end(msg.method === "HEAD" ? undefined : body);
}

const server = createServer((msg, out) => {
  const { port } = server.address() as AddressInfo;
  void serve(msg, out, `${opts.host}:${port}`);
});

server.listen(opts.port, opts.host, () => {
  const { port } = server.address() as AddressInfo;
  const base = `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`;
  const realTime = opts.speed === 1 ? "real time" : `${opts.speed}x real time`;
  console.log(`Vast.ai market simulator listening on ${base} (seed ${opts.seed}, ${realTime})
API key: ${opts.key} (any other key gets Vast's 401)

Try:
  curl -s -H 'Authorization: Bearer ${opts.key}' '${base}/api/v0/users/current/'
  VAST_URL=${base} vastai --api-key ${opts.key} search offers 'num_gpus=1 gpu_name=RTX_3060' -o dph_total
Simulator controls (no key): GET ${base}/__sim/state, POST ${base}/__sim/advance {"seconds": 600}
Ctrl-C stops it.`);
});

function stop(signal: string): void {
  console.log(`\n${signal}: stopping the simulator`);
  server.close(() => process.exit(0));
  // Keep-alive clients (Python requests, fetch) would otherwise hold close() open.
  server.closeAllConnections();
}
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));
