/**
 * `npm run build:client`: writes src/dashboard/client.gen.ts from the client's TypeScript.
 * @module
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundleClient, GENERATED } from "./client-bundle";

const text = await bundleClient();
writeFileSync(fileURLToPath(new URL(`../${GENERATED}`, import.meta.url)), text);
console.log(`${GENERATED}: ${text.length} bytes`);
