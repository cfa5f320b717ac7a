/**
 * The fleet's own books: what its instances cost and what games they delivered, accrued pass by
 * pass from what each pass saw. Pure: (stored ledger, the pass's reading, now) → ledger.
 *
 * How Vast bills (its billing docs; vast-cli): `dph_total`, the GPU and its disk, for every second
 * an instance is loading or running; the disk alone (`storage_cost` $/GB-month × `disk_space`) for
 * every second it exists otherwise (created, stopped, exited, offline); nothing once destroyed.
 * Between two passes an instance is billed at the rate of the earlier reading, since that is what
 * was last seen; one created in between, from its creation at its first reading's rate; one the
 * pass destroyed bills nothing after it.
 * @module
 */
import { z } from "zod";
import { HOUR_MS, round } from "../format";
import type { PassReport, WorkerView } from "../reconcile/report";

/** Hourly buckets kept: 7 days. */
export const LEDGER_HOURS = 168;
/**
 * The longest stretch between two readings that is billed. Past it (the object was down, the cron
 * stopped) nobody saw what ran, and an instance gone since may have gone at any time: the books
 * count the last hour of the gap, once, and the account's credit stays the authority.
 */
export const MAX_GAP_MS = HOUR_MS;
/**
 * How long an instance missing from the listings stays in the books: one that comes back (a listing
 * that left it out) then adds only its growth, not its whole cumulative uploads again.
 */
export const KEEP_ABSENT_MS = 24 * HOUR_MS;

/** Vast statuses in which the GPU bills (the simulator's `billedSpan` agrees). */
const GPU_BILLED = new Set(["loading", "running"]);

export const LedgerInstance = z.object({
  /** $/h it bills at, as of the last reading. */
  rate: z.number().min(0),
  gpu: z.string(),
  /** Games it had delivered at the last reading: the books count what it adds. */
  uploaded: z.number().int().min(0),
  /** The last reading that listed it; absent (books saved before it was kept) means the ledger's `at`. */
  seenAt: z.number().optional(),
});
export type LedgerInstance = z.infer<typeof LedgerInstance>;

/** One hour of the books: [hours since the epoch, dollars, games]. Tuples keep 7 days near 4 KiB. */
export const LedgerHour = z.tuple([z.number().int(), z.number().min(0), z.number().int().min(0)]);
export type LedgerHour = z.infer<typeof LedgerHour>;

const Sums = z.object({ spent: z.number().min(0), games: z.number().int().min(0) });

export const Ledger = z.object({
  /** The first reading (ms): "since start" counts from here. */
  since: z.number().nullable(),
  /** The last reading: the next one bills the time from here. */
  at: z.number().nullable(),
  spent: z.number().min(0),
  games: z.number().int().min(0),
  /** Since start, by GPU model. */
  byGpu: z.record(z.string(), Sums),
  /** By instance id, the instances of the last reading, and for KEEP_ABSENT_MS those of earlier ones. */
  instances: z.record(z.string(), LedgerInstance),
  /** Oldest first, the last LEDGER_HOURS hours that had any spend or games. */
  hours: z.array(LedgerHour),
});
export type Ledger = z.infer<typeof Ledger>;

export const emptyLedger = (): Ledger => ({ since: null, at: null, spent: 0, games: 0, byGpu: {}, instances: {}, hours: [] });

/** One instance as a pass saw it. */
export interface LedgerWorker {
  id: number;
  gpu: string;
  /** $/h it bills at now (see billingRate). */
  rate: number;
  /** Games delivered so far, null when its logs have shown no upload. */
  uploaded: number | null;
  /** When Vast created it (ms), null when unknown. */
  startedAt: number | null;
}

export interface LedgerReading {
  workers: LedgerWorker[];
  /** Instances this pass destroyed, Vast having acknowledged it: they bill nothing after. */
  destroyed: number[];
}

/** A price as the books take it: a negative or non-finite one would fail the schema and lose the whole ledger. */
const price = (x: number | null | undefined): number => (x !== null && x !== undefined && Number.isFinite(x) ? Math.max(0, x) : 0);

/** What an instance bills at in its Vast status: everything while it runs or loads, its disk otherwise. */
export function billingRate(w: Pick<WorkerView, "status" | "dph" | "storageDph">): number {
  return price(GPU_BILLED.has(w.status ?? "") ? w.dph : w.storageDph);
}

/** The reading a pass gives, null when it saw nothing (unlisted, or a dry run): that time is billed by the next one. */
export function readingOf(report: PassReport): LedgerReading | null {
  if (!report.observed || report.dryRun) return null;
  return {
    workers: report.workers.map((w) => ({
      id: w.id,
      gpu: w.gpu ?? "unknown",
      rate: billingRate(w),
      uploaded: w.uploadedGames,
      startedAt: w.startedAt,
    })),
    destroyed: report.actions.flatMap((a) => (a.kind === "destroy" && a.ok && a.instanceId !== null ? [a.instanceId] : [])),
  };
}

/** Dollars at `rate` $/h over [from, to), split at the hours. */
function spread(from: number, to: number, rate: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let t = from; t < to; ) {
    const hour = Math.floor(t / HOUR_MS);
    const end = Math.min(to, (hour + 1) * HOUR_MS);
    out.set(hour, (out.get(hour) ?? 0) + (rate * (end - t)) / HOUR_MS);
    t = end;
  }
  return out;
}

/** Games an instance adds: what it delivered since the last reading that listed it (all of it when its worker started counting again). */
function gamesAdded(ledger: Ledger, w: LedgerWorker, before: LedgerInstance | undefined): { uploaded: number; added: number } {
  const uploaded = w.uploaded ?? before?.uploaded ?? 0;
  if (before) return { uploaded, added: uploaded >= before.uploaded ? uploaded - before.uploaded : uploaded };
  // New to the books: its uploads count only if it started after the books did.
  const ours = ledger.since !== null && w.startedAt !== null && w.startedAt >= ledger.since;
  return { uploaded, added: ours ? uploaded : 0 };
}

export function advanceLedger(ledger: Ledger, reading: LedgerReading | null, now: number): Ledger {
  if (reading === null) return ledger;
  const hours = new Map<number, [number, number]>(ledger.hours.map(([h, s, g]) => [h, [s, g]]));
  const byGpu: Ledger["byGpu"] = Object.fromEntries(Object.entries(ledger.byGpu).map(([k, v]) => [k, { ...v }]));
  let spent = ledger.spent;
  let games = ledger.games;
  const book = (hour: number, gpu: string, dollars: number, n: number) => {
    const h = hours.get(hour) ?? [0, 0];
    hours.set(hour, [h[0] + dollars, h[1] + n]);
    const g = byGpu[gpu] ?? { spent: 0, games: 0 };
    byGpu[gpu] = { spent: g.spent + dollars, games: g.games + n };
    spent += dollars;
    games += n;
  };
  // Only the last reading's instances bill the time since; those kept from earlier ones were not seen.
  const listed = (i: LedgerInstance | undefined): i is LedgerInstance => i !== undefined && (i.seenAt ?? ledger.at) === ledger.at;
  if (ledger.at !== null && now > ledger.at) {
    const from = Math.max(ledger.at, now - MAX_GAP_MS);
    for (const i of Object.values(ledger.instances)) {
      if (listed(i) && i.rate > 0) for (const [hour, dollars] of spread(from, now, i.rate)) book(hour, i.gpu, dollars, 0);
    }
  }
  const destroyed = new Set(reading.destroyed);
  const instances: Ledger["instances"] = {};
  for (const w of reading.workers) {
    const before = ledger.instances[String(w.id)];
    // One created since the last reading bills from its creation at the rate it shows now: none was seen before.
    if (!listed(before) && ledger.at !== null && w.startedAt !== null && w.rate > 0) {
      const from = Math.max(w.startedAt, ledger.at, now - MAX_GAP_MS);
      for (const [hour, dollars] of spread(from, now, w.rate)) book(hour, w.gpu, dollars, 0);
    }
    const { uploaded, added } = gamesAdded(ledger, w, before);
    if (added > 0) book(Math.floor(now / HOUR_MS), w.gpu, 0, added);
    instances[String(w.id)] = { rate: destroyed.has(w.id) ? 0 : w.rate, gpu: w.gpu, uploaded, seenAt: now };
  }
  for (const [id, i] of Object.entries(ledger.instances)) {
    const seenAt = i.seenAt ?? ledger.at ?? now;
    if (!(id in instances) && now - seenAt < KEEP_ABSENT_MS) instances[id] = { ...i, seenAt };
  }
  const current = Math.floor(now / HOUR_MS);
  return {
    since: ledger.since ?? now,
    at: now,
    spent,
    games,
    byGpu,
    instances,
    // Rounded once an hour is over, never while it accrues: rounding every pass would bias the sums.
    hours: [...hours.entries()]
      .filter(([h]) => h > current - LEDGER_HOURS)
      .sort((a, b) => a[0] - b[0])
      .map(([h, [s, g]]): LedgerHour => [h, h < current ? round(s, 6) : s, g]),
  };
}
