/**
 * What `npx vastfleet` exits with, so that a script can tell what happened without reading the text.
 * @module
 */

export const EXIT = {
  ok: 0,
  /** The API answered an error not listed below (a 5xx, Vast unavailable, not configured), or a preflight check failed. */
  apiError: 1,
  /** Bad arguments, or input the API refused with a 400 (it changed nothing). */
  usage: 2,
  /** A missing or wrong token (401), or the read token on a mutating route (403). */
  auth: 3,
  /** No such fleet or instance (404). */
  notFound: 4,
  /** A pass of the fleet is running (409): try again in a few seconds. */
  busy: 5,
  /** No connection: DNS, connection refused, TLS; or no answer to a read (a timeout). Nothing was changed. */
  unreachable: 6,
  /** An action sent, then no answer (a timeout, the connection dropped): it may have been applied. */
  uncertain: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_STATUS: Record<number, ExitCode> = { 400: EXIT.usage, 401: EXIT.auth, 403: EXIT.auth, 404: EXIT.notFound, 409: EXIT.busy };

export function exitForStatus(status: number): ExitCode {
  if (status >= 200 && status < 300) return EXIT.ok;
  return BY_STATUS[status] ?? EXIT.apiError;
}
