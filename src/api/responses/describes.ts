/**
 * The compile-time half of "the schemas say what the shell sends": `Describes<Schema, Shell>`
 * compiles only when the type the fleet shell builds is assignable to the schema's, so a field the
 * shell removes or retypes breaks `tsc` where the schema is declared. (A field the shell adds is
 * caught at run time: test/api/responses.test.ts parses every route's answer with nothing left over.)
 * @module
 */

import type { z } from "zod";
import type { FleetObject } from "../../fleet/object";
import type { RpcResult } from "../../fleet/rpc";

export type Describes<S extends z.ZodType, T extends z.infer<S>> = [S, T];

/** What the fleet object's RPC method `M` hands its route when it succeeds (`unknown`, which describes nothing, if it is no RPC). */
export type Value<M extends keyof FleetObject> = FleetObject[M] extends (...args: never[]) => Promise<RpcResult<infer T>> ? T : unknown;
