/**
 * zod as it runs in workerd: zod compiles its object parsers with `new Function` where the runtime
 * allows it, and Cloudflare's does not (zod checks for it: `allowsEval` in zod/v4/core/util.js), so
 * a Worker parses every object on zod's interpreted path. Imported first by the CPU benchmark, so
 * that every schema is built that way, as it is in the Worker.
 * @module
 */
import { z } from "zod";

z.config({ jitless: true });
