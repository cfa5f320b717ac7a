/**
 * Vast.ai wire formats (../shared/reference/vast-api.md). Only the fields vastfleet reads are
 * declared, and Vast adds fields freely: the rows of a search or a list (offers, instances, each
 * with a hundred fields or so) keep only the declared ones, as copying the rest costs a pass most
 * of its decoding time; the small envelopes pass extra fields through untouched (`.loose()`).
 * @module
 */

import { z } from "zod";

const trimmed = z.string().transform((s) => s.trim());
/** Vast omits a field or sends it as null as it pleases: both read as null. */
const orNull = <T extends z.ZodType>(schema: T) =>
  schema
    .nullable()
    .optional()
    .transform((v): z.output<T> | null => v ?? null);
const nullableNumber = orNull(z.number());

export const Offer = z.object({
  id: z.number().int(),
  machine_id: z.number().int(),
  host_id: orNull(z.number().int()),
  gpu_name: trimmed,
  num_gpus: z.number(),
  /** MB per GPU. */
  gpu_ram: z.number(),
  /** $/hour including storage; in a `type: "bid"` search, priced at `min_bid`. */
  dph_total: z.number(),
  /** The lowest bid that wins the machine now, $/h (vast.py `search offers` help: "current minimum bid price"). */
  min_bid: nullableNumber,
  reliability2: nullableNumber,
  /** What the dud model reads of a listing (src/reconcile/duds/features.ts); Vast lists DLPerf for most machines. */
  verified: orNull(z.boolean()),
  cuda_max_good: nullableNumber,
  inet_down: nullableNumber,
  dlperf: nullableNumber,
  geolocation: orNull(z.string()),
  /** True on a machine this account already rents (search_offers.yaml `rented`). */
  rented: orNull(z.boolean()),
});
export type Offer = z.infer<typeof Offer>;

export const OffersResponse = z.object({ offers: z.array(Offer) }).loose();

export const Instance = z.object({
  id: z.number().int(),
  label: orNull(trimmed),
  actual_status: orNull(z.string()),
  intended_status: orNull(z.string()),
  cur_state: orNull(z.string()),
  status_msg: orNull(trimmed),
  machine_id: orNull(z.number().int()),
  host_id: orNull(z.number().int()),
  gpu_name: orNull(trimmed),
  num_gpus: nullableNumber,
  gpu_ram: nullableNumber,
  dph_total: nullableNumber,
  /** $/GB a month of its disk (30-day months): billed for as long as the instance exists, running or not. */
  storage_cost: nullableNumber,
  /** GB of disk allocated. */
  disk_space: nullableNumber,
  /** An interruptible rental (vast-api.md §3); absent reads as on demand. */
  is_bid: z
    .boolean()
    .nullable()
    .optional()
    .transform((v) => v === true),
  /** Epoch seconds (float). */
  start_date: nullableNumber,
  ssh_host: orNull(trimmed),
  ssh_port: z
    .union([z.number(), z.string()])
    .nullable()
    .optional()
    .transform((v) => (v == null || v === "" ? null : Number(v))),
});
export type Instance = z.infer<typeof Instance>;

export const InstancesPage = z
  .object({
    // vast-cli reads `data.get("instances") or []`: null or a missing key is an empty page.
    instances: z
      .array(Instance)
      .nullable()
      .optional()
      .transform((v) => v ?? []),
    next_token: orNull(z.string()),
    /** Rows in this page (show_instances.yaml); `total_instances` counts every match. */
    instances_found: z.number().optional(),
  })
  .loose();

/** `GET /api/v0/instances/{id}/`: a single object under the plural key, null when missing. */
export const ShowInstanceResponse = z.object({ instances: Instance.nullable() }).loose();

export const CreateResponse = z.object({ success: z.literal(true), new_contract: z.number().int() }).loose();

export const SuccessResponse = z.object({ success: z.boolean().optional() }).loose();

export const LogsResponse = z
  .object({ success: z.boolean().optional(), result_url: z.string().url().optional(), msg: z.string().optional() })
  .loose();

/** The user endpoint echoes the API key back (`api_key`): it is dropped here and never leaves the client. */
export const User = z
  .object({
    id: z.number().int(),
    credit: z.number(),
    balance: nullableNumber,
  })
  .loose()
  .transform(({ api_key: _dropped, ...rest }) => rest);
export type User = z.infer<typeof User>;

/** Vast's usual error body; some endpoints send plain text instead. */
export const ErrorBody = z
  .object({ error: z.string().optional(), msg: z.string().optional(), message: z.string().optional(), detail: z.string().optional() })
  .loose();

/** The offer search query (`POST /api/v0/bundles/`). */
export interface OfferQuery {
  gpuNames: string[];
  maxDph: number;
  minGpuRamMb?: number;
  /** GB the instance will be created with: Vast prices `dph_total` with this much storage. */
  diskGb: number;
  /** Hours the host must still list the machine for; 0 = any. */
  minDurationH: number;
  /** Lowest `cuda_max_good` (the newest CUDA the host's driver runs); 0 = any. */
  minCuda: number;
  /** At most SEARCH_ROW_CAP rows come back whatever this asks. */
  limit: number;
  /** `bid` lists interruptible prices (vast.py `search offers --type`); on demand when absent. */
  type?: "on-demand" | "bid";
  /**
   * Also the machines the account rents (no `rented: false` filter): a bid search lists an outbid
   * worker's machine with the min_bid that wins it back, or not at all when an on-demand renter holds it.
   */
  includeRented?: boolean;
}

/** What `PUT /api/v0/asks/{offer}/` receives. */
export interface CreateInstanceBody {
  image: string;
  disk: number;
  label: string;
  env: Record<string, string>;
  onstart: string;
  runtype: "ssh" | "ssh_proxy" | "args";
}
