/**
 * The Vast.ai REST client: the calls a fleet makes, each answer checked against its zod schema, and
 * which of them may be retried.
 * @module
 */

import type { z } from "zod";
import { VastError } from "./errors";
import { version } from "../../package.json";
import { type Call, createHttp, type FetchLike, mapLimit, type RetryPolicy } from "./http";
import { PACING } from "./pacing";
import {
  type CreateInstanceBody,
  CreateResponse,
  type Instance,
  InstancesPage,
  LogsResponse,
  type Offer,
  type OfferQuery,
  OffersResponse,
  ShowInstanceResponse,
  SuccessResponse,
  User,
} from "./schemas";

export interface VastClientOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: FetchLike;
  /** Attempts in total, first one included. */
  retries?: number;
  /** First backoff; each next one is ×1.5 (the CLI's schedule). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Per attempt, for every call but creates. */
  timeoutMs?: number;
  /** Per attempt of a create (default CREATE_TIMEOUT_MS). */
  createTimeoutMs?: number;
  logsPolls?: number;
  logsPollMs?: number;
}

export interface VastClient {
  searchOffers(q: OfferQuery): Promise<Offer[]>;
  /** `bid`: an interruptible rental at this $/h (vast.py `create instance --bid_price`); on demand when absent. */
  createInstance(offerId: number, body: CreateInstanceBody, bid?: number): Promise<{ id: number }>;
  /** `PUT /api/v0/instances/bid_price/{id}/` (vast.py `change__bid`): the instance's new bid, $/h. */
  changeBid(id: number, price: number): Promise<void>;
  listInstances(): Promise<Instance[]>;
  showInstance(id: number): Promise<Instance | null>;
  destroyInstance(id: number): Promise<"destroyed" | "not_found">;
  /** Null when the log file never became readable: "unknown", not "unhealthy". */
  getLogs(id: number, opts?: { tail?: number }): Promise<string | null>;
  /** Asks Vast to write an instance's last `tail` log lines to a file; its URL, or null when Vast gave none. */
  requestLogs(id: number, opts?: { tail?: number }): Promise<string | null>;
  /**
   * Polls log files together until each is readable or the polling budget is spent: every round
   * fetches every URL still pending, LOGS_CONNECTIONS at once. Each URL maps to its text, or null
   * when it never became readable.
   */
  pollLogs(urls: readonly string[]): Promise<Map<string, string | null>>;
  setLabel(id: number, label: string): Promise<void>;
  currentUser(): Promise<User>;
}

/**
 * One search answers with at most this many offers whatever `limit` asks (another Vast client's
 * observation, vast-api.md §10), so a search of this many rows may have left offers out.
 */
export const SEARCH_ROW_CAP = 64;

/**
 * vast-cli's per-try timeout (`vastai/api/client.py`, `_DEFAULT_TIMEOUT_SECONDS = 120`), kept for
 * creates only: a create that takes long on Vast's side and is cut short still rents the machine,
 * and its answer is then lost. Every other call keeps the shorter default, as a pass waits on them.
 */
const CREATE_TIMEOUT_MS = 120_000;

/** vast-cli's `logs` command polls `result_url` 30 times, 0.3 s apart (vast.py `logs`, `vastai/api/instances.py::_poll_result_url`). */
const LOGS_POLLS = 30;
const LOGS_POLL_MS = 300;
/** Workers allow 6 simultaneous open connections per invocation; more wait for one to close. */
export const LOGS_CONNECTIONS = 6;

/** v1 list pages hold at most 25 rows. */
const PAGE_SIZE = 25;
/** 5000 instances: far beyond any fleet, so hitting it means the server is looping on next_token. */
const MAX_PAGES = 200;

/**
 * A create whose answer was lost (timeout, dropped connection) or garbled (5xx from a gateway,
 * a malformed body) may still have rented the machine, and repeating it could rent a second one:
 * the pass journals such a failure as "may have happened" (src/reconcile/act.ts). Nor is a 429
 * retried: a create inside Vast's interval pushes the next allowed one 12 s out, so a retry a
 * moment later only lengthens the penalty; the pass waits it out (src/vast/pacing.ts).
 */
const CREATE_POLICY: RetryPolicy = { statuses: new Set(), lost: false };

/** Vast's wordings for an account out of money: "lacks credit" (API), "Insufficient credits" (CLI docs). */
const CREDIT_REFUSED = /lacks credit|insufficient credit/i;
/**
 * An offer someone else rented: Vast's docs show a 404 with `error: "invalid_args"` and
 * `no_such_ask` only in `msg`; other clients have seen a 400 with `msg: "no_such_ask"`; with
 * `cancel_unavail` an offer that cannot start answers 410 `no_such_ask` (create_instance.yaml).
 */
const OFFER_GONE = /no_such_ask/i;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createVastClient(opts: VastClientOptions): VastClient {
  const sleep = opts.sleep ?? defaultSleep;
  const http = createHttp({
    baseUrl: opts.baseUrl,
    ...(opts.apiKey === undefined ? {} : { apiKey: opts.apiKey }),
    fetch: opts.fetch ?? ((req) => fetch(req)),
    retries: Math.max(1, Math.floor(opts.retries ?? 3)),
    backoffMs: opts.backoffMs ?? 150,
    sleep,
    timeoutMs: opts.timeoutMs ?? 20_000,
    userAgent: `vastfleet/${version}`,
  });
  const createTimeoutMs = opts.createTimeoutMs ?? CREATE_TIMEOUT_MS;
  const logsPolls = opts.logsPolls ?? LOGS_POLLS;
  const logsPollMs = opts.logsPollMs ?? LOGS_POLL_MS;

  const call = async <S extends z.ZodType>(c: Call, schema: S): Promise<z.output<S>> => http.decode(await http.request(c), schema);

  /**
   * Vast answers some refusals with 200 and `success:false`; a silent no-op would hide a failed
   * label or destroy. `msg` was already scrubbed of the key when the body was decoded.
   */
  const refused = (endpoint: string, msg: unknown): VastError =>
    new VastError("http", endpoint, `${endpoint} refused: ${typeof msg === "string" ? msg.slice(0, 300) : "success is false"}`, {
      status: 200,
    });

  const client: VastClient = {
    async searchOffers(q) {
      const body: Record<string, unknown> = {
        verified: { eq: true },
        external: { eq: false },
        rentable: { eq: true },
        ...(q.includeRented ? {} : { rented: { eq: false } }),
        num_gpus: { eq: 1 },
        gpu_name: { in: q.gpuNames.map((n) => n.replace(/_/g, " ")) },
        dph_total: { lte: q.maxDph },
        ...(q.minGpuRamMb && q.minGpuRamMb > 0 ? { gpu_ram: { gte: q.minGpuRamMb } } : {}),
        // Seconds the host still lists the machine for (search_offers.yaml `duration`); a rental cannot outlive it.
        ...(q.minDurationH > 0 ? { duration: { gte: q.minDurationH * 3600 } } : {}),
        ...(q.minCuda > 0 ? { cuda_max_good: { gte: q.minCuda } } : {}),
        order: [["dph_total", "asc"]],
        type: q.type ?? "on-demand",
        limit: Math.min(q.limit, SEARCH_ROW_CAP),
        // dph_total then includes the storage of the disk the fleet creates with.
        allocated_storage: q.diskGb,
      };
      // Every row Vast sent, `rented` ones included: whether the search filled its rows (and so may
      // have been cut) is counted on them. The ranking drops rented rows, as vast-cli does (offers.ts).
      return (await call({ method: "POST", path: "/api/v0/bundles/", body }, OffersResponse)).offers;
    },

    async createInstance(offerId, body, bid) {
      const c: Call = {
        method: "PUT",
        path: `/api/v0/asks/${offerId}/`,
        // cancel_unavail: an offer that cannot be scheduled fails with no_such_ask instead of leaving a stopped instance that bills for storage.
        body: { client_id: "me", ...body, price: bid ?? null, cancel_unavail: true },
        policy: CREATE_POLICY,
        timeoutMs: createTimeoutMs,
      };
      const reply = await http.request(c);
      // Vast has reported these with more than one status and code; the text is what identifies them.
      if (CREDIT_REFUSED.test(reply.text)) {
        const { msg } = http.describe(reply.text);
        throw new VastError("lacks_credit", reply.endpoint, `${reply.endpoint}: account lacks credit: ${msg}`, { status: reply.status });
      }
      if ((reply.status === 400 || reply.status === 404 || reply.status === 410) && OFFER_GONE.test(reply.text)) {
        const { msg, code } = http.describe(reply.text);
        throw new VastError("offer_gone", reply.endpoint, `${reply.endpoint}: offer ${offerId} is no longer available: ${msg}`, {
          status: reply.status,
          ...(code === undefined ? {} : { code }),
        });
      }
      return { id: http.decode(reply, CreateResponse).new_contract };
    },

    async changeBid(id, price) {
      // Like a create, a bid change whose answer was lost may have been made: never retried (act.ts journals it first).
      const c: Call = {
        method: "PUT",
        path: `/api/v0/instances/bid_price/${id}/`,
        body: { client_id: "me", price },
        policy: CREATE_POLICY,
      };
      const reply = await http.request(c);
      const data = http.decode(reply, SuccessResponse);
      if (data.success === false) throw refused(reply.endpoint, data.msg);
    },

    async listInstances() {
      const rows: Instance[] = [];
      let token: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        // Vast allows a list call a second (src/vast/pacing.ts): the next page waits for it.
        if (page > 0) await sleep(PACING.list.intervalMs);
        const query: Record<string, unknown> = token === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, after_token: token };
        const data = await call({ method: "GET", path: "/api/v1/instances/", query, pacing: PACING.list }, InstancesPage);
        rows.push(...data.instances);
        token = data.next_token;
        // The CLI stops on any falsy token, "" included.
        if (!token) return rows;
      }
      const endpoint = "GET /api/v1/instances/";
      throw new VastError("malformed", endpoint, `malformed response from ${endpoint}: next_token still set after ${MAX_PAGES} pages`);
    },

    async showInstance(id) {
      const c: Call = { method: "GET", path: `/api/v0/instances/${id}/`, query: { owner: "me" } };
      return (await call(c, ShowInstanceResponse)).instances;
    },

    async destroyInstance(id) {
      const reply = await http.request({ method: "DELETE", path: `/api/v0/instances/${id}/`, body: {} });
      // Only Vast's own "not found" counts: a bare 404 (wrong base URL, proxy) must not make a billing instance look gone.
      if (reply.status === 404) {
        const { msg, code } = http.describe(reply.text);
        if (code === "not_found" || code === "no_such_instance" || /not found/i.test(msg)) return "not_found";
      }
      const data = http.decode(reply, SuccessResponse);
      if (data.success === false) throw refused(reply.endpoint, data.msg);
      return "destroyed";
    },

    async getLogs(id, opts) {
      const url = await client.requestLogs(id, opts);
      return url ? ((await client.pollLogs([url])).get(url) ?? null) : null;
    },

    async requestLogs(id, { tail = 50 } = {}) {
      const c: Call = { method: "PUT", path: `/api/v0/instances/request_logs/${id}/`, body: { tail: String(tail) } };
      return (await call(c, LogsResponse)).result_url || null;
    },

    async pollLogs(urls) {
      const texts = new Map<string, string | null>(urls.map((u) => [u, null]));
      let pending = [...texts.keys()];
      // Like the CLI: wait before every round, because a file is never there right after its request.
      for (let round = 0; round < logsPolls && pending.length > 0; round++) {
        await sleep(logsPollMs);
        const got = await mapLimit(pending, LOGS_CONNECTIONS, (url) => http.fetchPlain(url));
        pending.forEach((url, i) => {
          const answer = got[i];
          if (answer?.status === 200) texts.set(url, answer.text);
        });
        pending = pending.filter((url) => texts.get(url) === null);
      }
      return texts;
    },

    async setLabel(id, label) {
      const c: Call = { method: "PUT", path: `/api/v0/instances/${id}/`, body: { label } };
      const reply = await http.request(c);
      const data = http.decode(reply, SuccessResponse);
      if (data.success === false) throw refused(reply.endpoint, data.msg);
    },

    async currentUser() {
      return call({ method: "GET", path: "/api/v0/users/current/" }, User);
    },
  };
  return client;
}
