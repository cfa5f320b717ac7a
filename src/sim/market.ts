import { simNow } from "./clock";
import { AdvanceInput, applyControl, ControlInput, describeState, invalid, ResetInput, resetState, WaitInput } from "./control";
import { apiFaultRates, drawApiFault, gatewayError, tooFrequent, truncate } from "./faults";
import { hfRoute } from "./hf";
import { json, readJson } from "./http";
import { nextFloat } from "./rng";
import { rateLimited } from "./limits";
import { initialState, type MarketOptions } from "./state";
import { tick } from "./tick";
import type { MarketState } from "./types";
import { vastRoute } from "./vast";

/**
 * A deterministic Vast.ai market. Its whole state is one JSON object (`state`), so the Durable
 * Object can persist it and a seed replays a run. Real time is passed in, never read, so tests and
 * benchmarks drive hours of sim time in milliseconds.
 */
export class Market {
  state: MarketState;
  /** Set when a request changed something that cannot be re-derived; the DO persists then. */
  dirty = false;

  constructor(init: MarketOptions | MarketState = {}) {
    this.state = "version" in init ? init : initialState(init);
  }

  now(realNowMs: number): number {
    if (this.state.clock.realBaseMs === null) {
      this.state.clock.realBaseMs = realNowMs;
      this.dirty = true;
    }
    return simNow(this.state.clock, realNowMs);
  }

  toJSON(): MarketState {
    return this.state;
  }

  async handle(req: Request, realNowMs: number = Date.now()): Promise<Response> {
    const url = new URL(req.url);
    const now = this.now(realNowMs);
    tick(this.state, now);
    if (req.method !== "GET" && req.method !== "HEAD") this.dirty = true;
    if (url.pathname.startsWith("/__sim/")) return this.sim(req, url, realNowMs, now);

    // Vast serves the GPU names to anyone: its CLI fetches them at import, before it has a key (vast-cli util.py `_get_gpu_names`).
    if (req.method === "GET" && url.pathname.replace(/\/+$/, "") === "/api/v0/gpu_names/unique") {
      return json({ gpu_names: [...new Set(this.state.machines.map((m) => m.gpuName))].sort() });
    }
    const route = vastRoute(req.method, url.pathname);
    const apiKey = /^Bearer\s+(\S.*)$/.exec(req.headers.get("authorization") ?? "")?.[1] ?? url.searchParams.get("api_key") ?? "";
    if (!apiKey || this.state.refuseKeys) return json({ error: "auth_error", msg: "Invalid user key" }, 401);
    if (!route) return json({ success: false, error: "not_found", msg: `No route for ${req.method} ${url.pathname}` }, 404);

    const threshold = rateLimited(this.state, route.endpoint, apiKey, realNowMs + (this.state.advancedTotalMs ?? 0));
    if (threshold !== null) {
      this.dirty = true;
      const refused = (this.state.rateLimited ??= {});
      refused[route.endpoint] = (refused[route.endpoint] ?? 0) + 1;
      return tooFrequent(threshold);
    }
    const rates = apiFaultRates(this.state, route.endpoint);
    const fault = drawApiFault(this.state, rates);
    if (fault) this.dirty = true;
    if (rates.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, rates.delayMs));
    if (fault === "429") return tooFrequent();
    if (fault === "502" || fault === "503") return gatewayError(fault === "502" ? 502 : 503);
    const res = await route.run({ state: this.state, now, req, url, apiKey });
    if (fault === "lost") return gatewayError(nextFloat(this.state.apiRng) < 0.5 ? 502 : 504);
    return fault === "malformed" ? truncate(res) : res;
  }

  private async sim(req: Request, url: URL, realNowMs: number, now: number): Promise<Response> {
    const path = url.pathname;
    if (path.startsWith("/__sim/hf/"))
      return hfRoute(this.state, req.method, path.slice("/__sim/hf".length), now, req.headers.get("authorization"));
    const logToken = /^\/__sim\/logs\/([\w-]+)$/.exec(path)?.[1];
    if (logToken !== undefined && req.method === "GET") return this.fetchLogs(logToken);
    const route = `${req.method} ${path.replace(/\/+$/, "")}`;
    switch (route) {
      case "GET /__sim/state":
        return describeState(this.state, realNowMs);
      case "GET /__sim/clock":
        return json({ now_ms: now });
      case "POST /__sim/control": {
        const input = ControlInput.safeParse(await readJson(req));
        if (!input.success) return invalid(input.error);
        const problem = applyControl(this.state, input.data, realNowMs);
        if (problem) return json({ error: "invalid_input", message: problem }, 400);
        return describeState(this.state, realNowMs);
      }
      case "POST /__sim/advance": {
        const input = AdvanceInput.safeParse(await readJson(req));
        if (!input.success) return invalid(input.error);
        this.state.clock.advancedMs += input.data.seconds * 1000;
        this.state.advancedTotalMs = (this.state.advancedTotalMs ?? 0) + input.data.seconds * 1000;
        const later = simNow(this.state.clock, realNowMs);
        tick(this.state, later);
        return json({ now_ms: later });
      }
      case "POST /__sim/wait": {
        const input = WaitInput.safeParse(await readJson(req));
        if (!input.success) return invalid(input.error);
        this.state.advancedTotalMs = (this.state.advancedTotalMs ?? 0) + input.data.ms;
        return json({ waited_ms: input.data.ms });
      }
      case "POST /__sim/reset": {
        const input = ResetInput.safeParse(await readJson(req));
        if (!input.success) return invalid(input.error);
        this.state = resetState(input.data, this.state, realNowMs);
        return json({ now_ms: simNow(this.state.clock, realNowMs), seed: this.state.seed });
      }
      default:
        return json({ error: "not_found", message: `No simulator route for ${route}` }, 404);
    }
  }

  /** The S3-like log URL: unauthenticated, 404 for the first polls, then the snapshot as text. */
  private fetchLogs(token: string): Response {
    const snap = this.state.logs[token];
    if (!snap)
      return new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404, headers: { "content-type": "application/xml" } });
    if (snap.pollsLeft > 0) {
      snap.pollsLeft -= 1;
      this.dirty = true;
      return new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404, headers: { "content-type": "application/xml" } });
    }
    return new Response(snap.text, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
}
