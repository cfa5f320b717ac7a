/**
 * The dashboard's browser script is served as a string (src/dashboard/client.ts), so the project's
 * tsc never sees it as code. This checks it the way a browser runs it: strict checkJs against the
 * DOM library, its JSDoc annotations included, and against the API's answers as the server types
 * them (src/api/contract.ts, which the script imports as "./api"). Part of `npm run typecheck`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { APP_JS } from "../src/dashboard/client";

const API_TYPES = fileURLToPath(new URL("../src/api/contract.ts", import.meta.url));

/**
 * The script's expressions typed `any`. The server's modules come into this program for their
 * types but without the Workers types (they clash with the DOM library), so a Workers-only name in
 * an answer's type does not resolve here: it types as `any`, which strict mode lets the script
 * read as anything without a word.
 */
function anyIn(checker: ts.TypeChecker, source: ts.SourceFile): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    const isName = ts.isIdentifier(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node);
    const isExpression = ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node);
    if ((isName || isExpression) && (checker.getTypeAtLocation(node).flags & ts.TypeFlags.Any) !== 0) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const dir = mkdtempSync(join(tmpdir(), "vastfleet-client-"));
try {
  const app = join(dir, "app.js");
  const api = join(dir, "api.d.ts");
  writeFileSync(app, APP_JS);
  writeFileSync(api, `export type * from ${JSON.stringify(API_TYPES.replace(/\.ts$/, ""))};\n`);
  const program = ts.createProgram([app], {
    allowJs: true,
    checkJs: true,
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.dom.d.ts", "lib.es2022.d.ts"],
    types: [],
    skipLibCheck: true,
  });
  const where = (file: ts.SourceFile | undefined, start: number | undefined) => {
    const name =
      file?.fileName === app ? "src/dashboard/client.ts, APP_JS" : file?.fileName === api ? "api.d.ts" : (file?.fileName ?? "client check");
    if (!file || start === undefined) return name;
    const at = file.getLineAndCharacterOfPosition(start);
    return `${name} line ${at.line + 1}, column ${at.character + 1}`;
  };
  // The server's own modules are checked by the project's tsc, against the Workers types; here
  // their Workers-only names cannot resolve, and what of that reaches the script, anyIn reports.
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const file of [app, api, API_TYPES]) {
    const source = program.getSourceFile(file);
    if (source) diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
  }
  const messages = diagnostics.map((d) => `${where(d.file, d.start)}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  const source = program.getSourceFile(app);
  for (const node of source ? anyIn(program.getTypeChecker(), source) : []) {
    messages.push(
      `${where(source, node.getStart())}: ${node.getText().slice(0, 60)} is typed any (written so, or a type from ./api that needs the Workers types)`,
    );
  }
  if (messages.length > 0) {
    for (const m of messages) console.error(m);
    process.exitCode = 1;
  } else {
    console.log(`dashboard script: ${APP_JS.split("\n").length} lines type-check (strict checkJs, DOM, the API's types, no any)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
