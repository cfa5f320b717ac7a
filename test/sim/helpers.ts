import { DEFAULTS } from "../../src/config/fleet";
import { onstartScript } from "../../src/reconcile/launch";
import { Market } from "../../src/sim";
import type { ReliabilitySignal } from "../../src/sim/signal";

export const ORIGIN = "http://vast-simulator";
/** The fleet's own onstart script (src/reconcile/launch.ts). */
export const ONSTART = onstartScript(DEFAULTS);

export interface Reply {
  status: number;
  text: string;
  headers: Headers;
  body: unknown;
}

/** A frozen-clock market and a small client for it; time moves only through `advance`. */
export function harness(
  seed = 1,
  options: { credit?: number; marketScale?: number; paired?: boolean; reliabilitySignal?: ReliabilitySignal } = {},
) {
  const market = new Market({ seed, speed: 0, ...options });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: "Bearer test-key" },
  ): Promise<Reply> => {
    const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const res = await market.handle(new Request(`${ORIGIN}${path}`, init), 0);
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, text, headers: res.headers, body: parsed };
  };
  const data = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> =>
    (await call(method, path, body)).body as T;
  const advance = (seconds: number) => call("POST", "/__sim/advance", { seconds });
  const control = (input: unknown) => call("POST", "/__sim/control", input);
  const cheapest = async (query: Record<string, unknown> = {}) => {
    const { offers } = await data<{ offers: { id: number; machine_id: number; gpu_name: string; dph_total: number }[] }>(
      "POST",
      "/api/v0/bundles/",
      {
        order: [["dph_total", "asc"]],
        limit: 1,
        // Priced with the disk `launch` creates.
        allocated_storage: 15,
        ...query,
      },
    );
    const offer = offers[0];
    if (!offer) throw new Error("no offers");
    return offer;
  };
  /** Rents the cheapest offer with the fleet's usual body; `fault` forces the instance's hidden fault. */
  const launch = async (fault?: string, n = 0, extra: Record<string, unknown> = {}) => {
    if (fault) await control({ forceFault: { next: fault } });
    const offer = await cheapest();
    const res = await call("PUT", `/api/v0/asks/${offer.id}/`, {
      client_id: "me",
      image: "pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime",
      disk: 15,
      label: `zeb-worker-vast-${n}`,
      env: { HF_TOKEN: "hf_secret", WORKER_ID: `worker-vast-${n}` },
      onstart: ONSTART,
      runtype: "ssh",
      ...extra,
    });
    const id = (res.body as { new_contract?: number } | null)?.new_contract ?? -1;
    return { id, offer, res };
  };
  const show = async (id: number) =>
    (await data<{ instances: Record<string, unknown> | null }>("GET", `/api/v0/instances/${id}/`)).instances;
  const logs = async (id: number, tail = 50): Promise<string> => {
    const { result_url } = await data<{ result_url: string }>("PUT", `/api/v0/instances/request_logs/${id}/`, { tail: String(tail) });
    const path = result_url.slice(ORIGIN.length);
    for (let i = 0; i < 10; i++) {
      const r = await call("GET", path, undefined, {});
      if (r.status === 200) return r.text;
    }
    throw new Error("logs never became ready");
  };
  const hidden = () =>
    data<{
      instances: { id: number; fault: string | null; actual_status: string | null }[];
      credit: number;
      offers: number;
      now_ms: number;
    }>("GET", "/__sim/state");
  return { market, call, data, advance, control, cheapest, launch, show, logs, hidden };
}
