/**
 * Part of `npm run typecheck`: checks the dashboard's browser client (src/dashboard/client/) the
 * way a browser runs it, with its own tsconfig (the DOM library, no Workers types), against the
 * API's answers as the server types them (src/api/contract.ts); finds any expression typed
 * `any`; and fails when src/dashboard/client.gen.ts, the bundle the Worker serves, is stale.
 * @module
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { bundleClient, GENERATED } from "./client-bundle";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLIENT = fileURLToPath(new URL("../src/dashboard/client/", import.meta.url));
const API_TYPES = fileURLToPath(new URL("../src/api/contract.ts", import.meta.url));

/**
 * The client's expressions typed `any`. The server's modules come into this program for their
 * types but without the Workers types (they clash with the DOM library), so a Workers-only name in
 * an answer's type does not resolve here: it types as `any`, which strict mode lets the client read
 * as anything without a word.
 */
function anyIn(checker: ts.TypeChecker, source: ts.SourceFile): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    // Names in types and imports are not values: `as const`, `v is number`, `import { type X }`.
    const inType =
      node.parent === undefined ||
      ts.isTypeReferenceNode(node.parent) ||
      ts.isTypePredicateNode(node.parent) ||
      ts.isImportSpecifier(node.parent);
    const isName = ts.isIdentifier(node) && !inType && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node);
    const isExpression = ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node);
    if ((isName || isExpression) && (checker.getTypeAtLocation(node).flags & ts.TypeFlags.Any) !== 0) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const config = ts.getParsedCommandLineOfConfigFile(
  `${CLIENT}tsconfig.json`,
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
if (!config) throw new Error("cannot read src/dashboard/client/tsconfig.json");
const program = ts.createProgram(config.fileNames, config.options);
const where = (file: ts.SourceFile | undefined, start: number | undefined) => {
  const name = file ? relative(ROOT, file.fileName) : "client check";
  if (!file || start === undefined) return name;
  const at = file.getLineAndCharacterOfPosition(start);
  return `${name}:${at.line + 1}:${at.character + 1}`;
};
// The server's own modules are checked by the project's tsc against the Workers types; here their
// Workers-only names cannot resolve, and what of that reaches the client, anyIn reports.
const mine = program.getSourceFiles().filter((f) => f.fileName.startsWith(CLIENT) && !f.isDeclarationFile);
const diagnostics = [...config.errors, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
for (const source of [...mine, program.getSourceFile(API_TYPES)]) {
  if (source) diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
}
const messages = diagnostics.map((d) => `${where(d.file, d.start)}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
for (const source of mine) {
  for (const node of anyIn(program.getTypeChecker(), source)) {
    messages.push(
      `${where(source, node.getStart())}: ${node.getText().slice(0, 60)} is typed any (written so, or an API type that needs the Workers types)`,
    );
  }
}
const bundle = await bundleClient();
let current = "";
try {
  current = readFileSync(`${ROOT}${GENERATED}`, "utf8");
} catch {}
if (current !== bundle) messages.push(`${GENERATED} is stale: run npm run build:client (and commit it)`);
if (messages.length > 0) {
  for (const m of messages) console.error(m);
  process.exitCode = 1;
} else {
  console.log(`dashboard client: ${mine.length} modules type-check (DOM, the API's types, no any); ${GENERATED} is current`);
}
