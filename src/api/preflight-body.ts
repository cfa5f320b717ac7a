/**
 * `GET /preflight`'s answer. Apart from the route (fleet-schemas.ts) because `npm run preflight` and
 * `npx vastfleet preflight` check answers with it in Node, where the route's middleware (the
 * Workers runtime's modules) cannot load.
 * @module
 */

import { z } from "@hono/zod-openapi";

export const PreflightCheck = z
  .object({
    name: z.string().openapi({ example: "offers" }),
    ok: z.boolean(),
    detail: z.string().openapi({ description: "what was found; Vast's and Hugging Face's words quoted as data, secrets redacted" }),
    fix: z.string().nullable().openapi({ description: "what to do about a failure (the setting, the page, the command); null when ok" }),
  })
  .openapi("PreflightCheck");

export const PreflightRental = z
  .object({
    slot: z.number().int(),
    gpu: z.string(),
    machineId: z.number().int(),
    offerId: z.number().int(),
    dph: z.number().openapi({ description: "$/h, storage included" }),
    gamesPerSec: z.number().openapi({ description: "expected: the fleet's measurements, else ZEB_GPU_PRIORS" }),
    gamesPerDollar: z.number().int(),
  })
  .openapi("PreflightRental");

export const PreflightBody = z
  .object({
    fleet: z.string(),
    target: z.number().int().openapi({ description: "the target checked: n, else the fleet's" }),
    ok: z.boolean().openapi({ description: "every check passed" }),
    checks: z.array(PreflightCheck),
    firstPass: z
      .object({ rentals: z.array(PreflightRental), dph: z.number(), perDay: z.number().openapi({ description: "dph × 24" }) })
      .nullable()
      .openapi({ description: "what a pass of the empty fleet at the target would rent now; null when the market could not be searched" }),
  })
  .openapi("Preflight");
