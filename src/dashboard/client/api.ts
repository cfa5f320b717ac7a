/**
 * Calls to the Worker's JSON API with the signed-in token, typed by the route's name.
 * @module
 */
import { session } from "./session";
import type { DashboardRoutes, ErrorBody } from "./types";

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: ErrorBody | null };
export type Params = Record<string, string | number | null | undefined>;

/** Calls a route: params fill the path's {placeholders}, the rest go to the query string. */
export async function api<R extends keyof DashboardRoutes>(
  route: R,
  params: Params = {},
  json?: Record<string, unknown>,
): Promise<ApiResult<DashboardRoutes[R]>> {
  const q: Params = { ...params };
  const space = route.indexOf(" ");
  const path = route.slice(space + 1).replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = q[k];
    delete q[k];
    return encodeURIComponent(String(v));
  });
  let res: Response;
  try {
    const headers: Record<string, string> = { Authorization: `Bearer ${session.token}`, Accept: "application/json" };
    if (json) headers["Content-Type"] = "application/json";
    res = await fetch(withQuery(path, q), {
      method: route.slice(0, space),
      cache: "no-store",
      headers,
      body: json ? JSON.stringify(json) : null,
    });
  } catch (e) {
    return { ok: false, status: 0, body: { error: "network", message: `cannot reach the Worker: ${String(e)}` } };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  // A 2xx that is not JSON (a proxy's page) is no answer from the API.
  if (!res.ok || body === null) return { ok: false, status: res.status, body: body as ErrorBody | null };
  // Trusted, not parsed: the routes build these bodies to satisfy the same types.
  return { ok: true, status: res.status, body: body as DashboardRoutes[R] };
}

/** Why a call failed, for a message. */
export function why(r: ApiResult<unknown>): string {
  const b = r.ok ? null : r.body;
  return (b?.message || `HTTP ${r.status}`) + (r.status ? ` (${r.status}${b?.error ? ` ${b.error}` : ""})` : "");
}

/** Signs out when the token is no longer accepted; true when it did. */
export function expired(r: ApiResult<unknown>): boolean {
  if (r.status !== 401) return false;
  session.signOut(`Signed out: the token is no longer accepted: ${why(r)}`);
  return true;
}

function withQuery(path: string, q: Params): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== null && v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}
