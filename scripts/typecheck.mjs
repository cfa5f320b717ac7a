/**
 * `npm run typecheck`: every tsc project and the dashboard client's check, two at a time (each is
 * one single-threaded process, and CI's machine has two cores); a failing one prints its output
 * and fails the whole.
 * @module
 */
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";

const CHECKS = [
  ["tsc", "--noEmit"],
  ["tsc", "--noEmit", "-p", "bench"],
  ["tsc", "--noEmit", "-p", "test/conformance"],
  ["tsc", "--noEmit", "-p", "test/node"],
  ["tsx", "scripts/typecheck-client.ts"],
];

function run(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ argv, code, out }));
  });
}

const queue = [...CHECKS];
const results = [];
await Promise.all(
  Array.from({ length: Math.max(2, availableParallelism()) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) results.push(await run(next));
  }),
);
let failed = 0;
for (const r of results) {
  if (r.out.trim()) process.stdout.write(r.out.endsWith("\n") ? r.out : `${r.out}\n`);
  if (r.code !== 0) {
    failed++;
    console.error(`typecheck: ${r.argv.join(" ")} failed (exit ${r.code})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
