/**
 * Errors are always `{ error, message }` so that curl users and scripts read one shape.
 * @module
 */

import type { Context, TypedResponse } from "hono";
import type { RpcResult } from "../fleet/rpc";

export type Failure = Extract<RpcResult<unknown>, { ok: false }>;
export type FailStatus = Failure["status"];

export function failure(status: FailStatus, error: string, message: string): Failure {
  return { ok: false, status, error, message };
}

/** One typed response per status, which is how route definitions declare them. */
type ErrorResponse = { [S in FailStatus]: Response & TypedResponse<{ error: string; message: string }, S, "json"> }[FailStatus];

export function fail(c: Context, f: Failure): ErrorResponse {
  // A busy fleet is a pass in progress, which takes seconds: tell clients when to come back.
  if (f.error === "busy") c.header("Retry-After", "2");
  return c.json({ error: f.error, message: f.message }, f.status) as ErrorResponse;
}

/** A DO answer: its failure as is, or its value shaped for the API. */
export function answer<T, B extends object>(c: Context, result: RpcResult<T>, shape: (value: T) => B) {
  return result.ok ? c.json(shape(result.value), 200) : fail(c, result);
}
