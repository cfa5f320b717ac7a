import { minBidOf } from "./bids";
import { offerJson, type OfferType } from "./catalog";
import { isRecord } from "./http";
import type { MarketState } from "./types";

/** Keys of the search body that steer the search rather than filter offers. */
const CONTROL_KEYS = new Set(["order", "limit", "type", "allocated_storage", "select_cols"]);

type Scalar = string | number | boolean | null;

/** The CLI sends most values as strings ("0.98", "12000.0"); Vast coerces them to the column's type. */
function coerce(value: unknown, like: unknown): unknown {
  if (typeof like === "number" && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  if (typeof like === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

function test(actual: Scalar, op: string, raw: unknown): boolean {
  const v = coerce(raw, actual);
  const list = Array.isArray(raw) ? raw.map((x) => coerce(x, actual)) : [];
  switch (op) {
    case "eq":
      return actual === v;
    case "neq":
      return actual !== v;
    case "in":
      return list.includes(actual);
    case "notin":
    case "nin":
      return !list.includes(actual);
    case "gt":
      return typeof actual === "number" && typeof v === "number" && actual > v;
    case "gte":
      return typeof actual === "number" && typeof v === "number" && actual >= v;
    case "lt":
      return typeof actual === "number" && typeof v === "number" && actual < v;
    case "lte":
      return typeof actual === "number" && typeof v === "number" && actual <= v;
    default:
      return true;
  }
}

/** Filters on unknown columns are ignored, as the CLI only warns about them. */
export function matchesQuery(row: Record<string, unknown>, query: Record<string, unknown>): boolean {
  for (const [field, cond] of Object.entries(query)) {
    if (CONTROL_KEYS.has(field) || !(field in row)) continue;
    const actual = row[field] as Scalar;
    const ops = isRecord(cond) ? cond : { eq: cond };
    for (const [op, value] of Object.entries(ops)) if (!test(actual, op, value)) return false;
  }
  return true;
}

export function sortRows(rows: Record<string, unknown>[], order: [string, "asc" | "desc"][]): void {
  rows.sort((a, b) => {
    for (const [field, dir] of order) {
      const x = a[field];
      const y = b[field];
      if (x === y) continue;
      const less = x == null ? true : y == null ? false : (x as number | string) < (y as number | string);
      return (less ? -1 : 1) * (dir === "desc" ? -1 : 1);
    }
    return 0;
  });
}

function parseOrder(raw: unknown): [string, "asc" | "desc"][] {
  if (!Array.isArray(raw)) return [["score", "desc"]];
  return raw.flatMap((entry): [string, "asc" | "desc"][] => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") return [];
    const desc = entry[1] === "desc" || entry[0].endsWith("-");
    return [[entry[0].replace(/-$/, ""), desc ? "desc" : "asc"]];
  });
}

/** One search answers with at most this many rows, whatever `limit` asks (vast-api.md §10). */
export const SEARCH_ROW_CAP = 64;
/** search_offers.yaml: `allocated_storage` "Default is 8GB". */
const DEFAULT_ALLOCATED_GB = 8;
/** search_offers.yaml's enum spells it `ondemand`; its examples and the CLI send `on-demand`. */
const TYPES: Record<string, OfferType> = { "on-demand": "on-demand", ondemand: "on-demand", bid: "bid", reserved: "reserved" };

/** The offers a search body selects, or the reason Vast would refuse it. */
export function searchOffers(
  state: MarketState,
  query: Record<string, unknown>,
  now: number,
): Record<string, unknown>[] | { error: string } {
  const type = TYPES[String(query.type ?? "on-demand")];
  if (type === undefined) return { error: `type must be one of ${Object.keys(TYPES).join(", ")}` };
  const storage = query.allocated_storage === undefined ? DEFAULT_ALLOCATED_GB : Number(query.allocated_storage);
  if (!Number.isFinite(storage) || storage < 0) return { error: "allocated_storage must be a number of GB" };
  const ours = new Set(state.instances.map((i) => i.machineId));
  const rows = state.machines.flatMap((m) =>
    m.offerId === null ? [] : [offerJson(m, m.offerId, now, storage, type, { minBid: minBidOf(state, m, now), rented: ours.has(m.id) })],
  );
  const found = rows.filter((row) => matchesQuery(row, query));
  sortRows(found, parseOrder(query.order));
  const limit = Number(query.limit);
  return found.slice(0, Number.isInteger(limit) && limit > 0 ? Math.min(limit, SEARCH_ROW_CAP) : SEARCH_ROW_CAP);
}
