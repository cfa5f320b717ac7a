/**
 * The API's Hono app: one validation hook for every route, so that a bad input's 400 names the field.
 * @module
 */

import { OpenAPIHono, type OpenAPIHonoOptions } from "@hono/zod-openapi";
import { describeIssues } from "../config/fleet";
import type { Env } from "../env";
import type { Role } from "./auth";

export type ApiEnv = { Bindings: Env; Variables: { role: Role } };

/**
 * Names every offending field, the way config errors do (`n: must be ...`, `workers (ZEB_WORKERS): ...`);
 * a problem with the whole input (a body that is not an object) is named by where it came from.
 */
const validationHook: OpenAPIHonoOptions<ApiEnv>["defaultHook"] = (result, c) => {
  if (!result.success)
    return c.json(
      { error: "invalid_input", message: describeIssues(result.error, result.target === "json" ? "body" : result.target).join("; ") },
      400,
    );
  return undefined;
};

/** Every (sub-)app shares the hook, so a validation error reads the same on every route. */
export function newApi(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
}
