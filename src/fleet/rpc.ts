/**
 * The answer of a fleet object's RPC: a value, or a failure the API turns into `{ error, message }`
 * with its status.
 * @module
 */

export type RpcResult<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 409 | 503; error: string; message: string };

export const busy = <T>(): RpcResult<T> => ({
  ok: false,
  status: 409,
  error: "busy",
  message: "a pass of this fleet is running; retry shortly",
});
export const invalid = <T>(message: string): RpcResult<T> => ({ ok: false, status: 400, error: "invalid_input", message });
export const unknownFleet = <T>(fleet: string): RpcResult<T> => ({
  ok: false,
  status: 404,
  error: "unknown_fleet",
  message: `fleet: no fleet named ${fleet}; create it with PUT /fleets/${fleet}`,
});
export const vastUnavailable = <T>(message: string): RpcResult<T> => ({ ok: false, status: 503, error: "vast_unavailable", message });
