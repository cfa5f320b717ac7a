/**
 * Local stand-ins for Vast.ai, answering with the wire formats of shared/reference/vast-api.md.
 * They let the client be tested before (and independently of) the simulator in src/sim.
 */

export const KEY = "vast-key-SECRET-7f3c9a";
export const BASE = "https://console.vast.ai";

export interface Seen {
  method: string;
  url: URL;
  /** The endpoint as errors name it: method and path. */
  endpoint: string;
  auth: string | null;
  userAgent: string | null;
  body: unknown;
  signal: AbortSignal;
}

type Handler = (req: Seen) => Response | Promise<Response>;

/** A fetch that records every request and lets `handler` answer it. */
export function standIn(handler: Handler) {
  const seen: Seen[] = [];
  const fetch = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const text = req.method === "GET" ? "" : await req.text();
    const s: Seen = {
      method: req.method,
      url,
      endpoint: `${req.method} ${url.pathname}`,
      auth: req.headers.get("Authorization"),
      userAgent: req.headers.get("User-Agent"),
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
      signal: req.signal,
    };
    seen.push(s);
    return handler(s);
  };
  return { fetch, seen };
}

/** Serves a fixed sequence of answers, one per request; fails loudly if the client asks for more. */
export function scripted(...answers: (() => Response | Promise<Response>)[]) {
  let n = 0;
  return standIn(() => {
    const next = answers[n++];
    if (!next) throw new Error(`stand-in: unexpected request #${n}`);
    return next();
  });
}

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export const text = (body: string, status: number) => new Response(body, { status, headers: { "Content-Type": "text/plain" } });

/** Vast's 429 (no Retry-After header). */
export const tooFrequent = () => text("API requests too frequent endpoint threshold=4.5", 429);

/** A fetch that only ends when its request is aborted, as a stalled connection would. */
export function hanging() {
  return standIn(
    (s) =>
      new Promise<Response>((_, reject) => {
        s.signal.addEventListener("abort", () => reject(new DOMException("The operation was aborted", "AbortError")));
      }),
  );
}

/** Records sleeps instead of waiting, so backoff schedules can be asserted. */
export function sleeps() {
  const calls: number[] = [];
  return { calls, sleep: async (ms: number) => void calls.push(ms) };
}

/** A row as `GET /api/v1/instances/` returns it (`show_instances.yaml`), including the untidy parts. */
export function instanceRow(id: number, label: string | null, extra: Record<string, unknown> = {}) {
  return {
    id,
    label,
    actual_status: "running",
    intended_status: "running",
    cur_state: "running",
    next_state: "running",
    status_msg: "success, running pytorch/pytorch_2.6.0-cuda12.6-cudnn9-runtime/ssh\n",
    machine_id: 10_000 + id,
    host_id: 200 + (id % 7),
    gpu_name: "RTX 3060 Ti",
    num_gpus: 1,
    gpu_ram: 8192,
    gpu_totalram: 8192,
    gpu_util: 97.5,
    disk_space: 15,
    dph_total: 0.0712,
    is_bid: false,
    start_date: 1_786_000_000.25 + id,
    end_date: null,
    ssh_host: "ssh4.vast.ai",
    ssh_port: 20_000 + id,
    public_ipaddr: "203.0.113.7",
    local_ipaddrs: "192.168.1.5 172.17.0.1\n",
    ports: { "22/tcp": [{ HostIp: "0.0.0.0", HostPort: "20000" }] },
    image_uuid: "pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime",
    image_runtype: "ssh",
    extra_env: [["ZEB_SLOT", "3"]],
    geolocation: "California, US",
    reliability2: 0.991,
    credit_balance: null,
    ...extra,
  };
}

/**
 * `GET /api/v1/instances/`: pages of at most 25 with an opaque `next_token`, `label_counts`
 * keyed by label with unlabelled rows under "". Checks the query as the CLI encodes it.
 */
export function listingMarket(rows: ReturnType<typeof instanceRow>[]) {
  return standIn((s) => {
    if (s.endpoint !== "GET /api/v1/instances/") return json({ success: false, error: "not_found", msg: "no route" }, 404);
    const limit = Number(s.url.searchParams.get("limit") ?? "25");
    if (limit > 25) return json({ success: false, error: "invalid_args", msg: "limit must be <= 25" }, 400);
    const token = s.url.searchParams.get("after_token");
    const start = token === null ? 0 : Number(/^tok_(\d+)$/.exec(token)?.[1] ?? Number.NaN);
    if (Number.isNaN(start)) return json({ success: false, error: "invalid_token", msg: "bad token" }, 400);
    const page = rows.slice(start, start + limit);
    const end = start + page.length;
    const labelCounts: Record<string, number> = {};
    for (const r of rows) labelCounts[r.label ?? ""] = (labelCounts[r.label ?? ""] ?? 0) + 1;
    return json({
      success: true,
      instances_found: page.length,
      total_instances: rows.length,
      label_counts: labelCounts,
      next_token: end < rows.length ? `tok_${end}` : null,
      instances: page,
    });
  });
}

/** An offer as `POST /api/v0/bundles/` returns it. */
export function offerRow(id: number, gpu: string, dph: number) {
  return {
    id,
    ask_contract_id: id,
    machine_id: 50_000 + id,
    host_id: 900 + id,
    gpu_name: gpu,
    num_gpus: 1,
    gpu_ram: 12_288,
    gpu_total_ram: 12_288,
    dph_total: dph,
    dph_base: dph - 0.004,
    min_bid: dph / 2,
    is_bid: false,
    storage_cost: 0.1,
    reliability: 0.99,
    reliability2: 0.985,
    verification: "verified",
    rentable: true,
    rented: false,
    score: 123.4,
    geolocation: "Quebec, CA",
    inet_down: 812.3,
    inet_up: 640.1,
    direct_port_count: 10,
    public_ipaddr: "198.51.100.4",
    cuda_max_good: 12.4,
    driver_version: "550.54.14",
    disk_space: 120.5,
    cpu_ram: 32_000,
    duration: 1_209_600.5,
  };
}
