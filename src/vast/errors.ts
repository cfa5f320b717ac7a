import type { z } from "zod";

/**
 * How a Vast call failed. Callers branch on this rather than on status codes:
 * `rate_limited`/`unavailable`/`timeout`/`network` are transient (already retried here),
 * `lacks_credit` and `auth` need a human, `malformed` means the wire format moved, `offer_gone`
 * means another renter took the offer between search and create (the market, not a fault).
 */
export type VastErrorKind =
  | "http"
  | "rate_limited"
  | "unavailable"
  | "timeout"
  | "network"
  | "malformed"
  | "lacks_credit"
  | "auth"
  | "offer_gone";

const TRANSIENT: ReadonlySet<VastErrorKind> = new Set(["rate_limited", "unavailable", "timeout", "network"]);

/**
 * Trouble on the way to Vast or inside it (429, 5xx, timeout, network): the same call may work
 * later. It says nothing about a host, an offer or the image, so it never strikes a host and never
 * counts toward the breaker.
 */
export function isTransient(e: unknown): boolean {
  return e instanceof VastError && (TRANSIENT.has(e.kind) || (e.status !== undefined && e.status >= 500));
}

/**
 * Whether a call that changes something may have taken effect although it reported failure: an
 * answer lost or garbled after Vast received the request. Only a refusal Vast stated (a 4xx with
 * its reason, the rate limiter in front) proves nothing happened.
 */
export function mayHaveHappened(e: unknown): boolean {
  if (!(e instanceof VastError)) return true;
  if (e.kind === "rate_limited" || e.kind === "offer_gone" || e.kind === "lacks_credit" || e.kind === "auth") return false;
  return !(e.kind === "http" && e.status !== undefined && e.status >= 400 && e.status < 500);
}

export interface VastErrorDetails {
  status?: number;
  /** Vast's `error` code from the JSON body, e.g. `no_such_ask`. */
  code?: string;
  /** For `malformed`: the zod path of the first bad field, e.g. `instances.3.id`. */
  path?: string;
}

export class VastError extends Error {
  override readonly name = "VastError";
  readonly status?: number;
  readonly code?: string;
  readonly path?: string;

  constructor(
    readonly kind: VastErrorKind,
    /** Method and path without query, e.g. `GET /api/v1/instances/`: safe to log. */
    readonly endpoint: string,
    message: string,
    details: VastErrorDetails = {},
  ) {
    super(message);
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
    if (details.path !== undefined) this.path = details.path;
  }

  /** Own fields only, so that JSON.stringify of an error shows what the logs need and nothing else. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      endpoint: this.endpoint,
      status: this.status,
      code: this.code,
      path: this.path,
      message: this.message,
    };
  }
}

/** Builds the `malformed` error from the first zod issue; zod messages never carry the input value, so no secret can leak through them. */
export function malformed(endpoint: string, error: z.ZodError): VastError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  const what = (issue?.message ?? "invalid").replace(/^Invalid input: /, "");
  return new VastError("malformed", endpoint, `malformed response from ${endpoint}: ${path || "(root)"}: ${what}`, { path });
}
