/**
 * The dashboard's browser script is served as a string (src/dashboard/client.ts), so the project's
 * tsc never sees it as code. This checks it the way a browser runs it: strict checkJs against the
 * DOM library, its JSDoc annotations included. Part of `npm run typecheck`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { APP_JS } from "../src/dashboard/client";

const dir = mkdtempSync(join(tmpdir(), "vastfleet-client-"));
try {
  const file = join(dir, "app.js");
  writeFileSync(file, APP_JS);
  const program = ts.createProgram([file], {
    allowJs: true,
    checkJs: true,
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.dom.d.ts", "lib.es2022.d.ts"],
    types: [],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) {
    for (const d of diagnostics) {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      const where = at ? `APP_JS line ${at.line + 1}, column ${at.character + 1}` : "APP_JS";
      console.error(`src/dashboard/client.ts, ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    }
    process.exitCode = 1;
  } else {
    console.log(`dashboard script: ${APP_JS.split("\n").length} lines type-check (strict checkJs, DOM)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
