#!/usr/bin/env node
/**
 * A stand-in for wrangler in test/node/setup.test.ts: it appends each call (argv, and for a deploy
 * the secrets file's content as wrangler would read it) to $FAKE_WRANGLER_LOG as one JSON line, and
 * answers as wrangler does. $FAKE_WRANGLER_FAIL names a command to fail, $FAKE_WRANGLER_BLOCK one that
 * hangs (for a minute) after its call is logged, as a slow upload would.
 * @module
 */
import { appendFileSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
const at = args.indexOf("--secrets-file");
const secrets = at === -1 ? null : JSON.parse(readFileSync(args[at + 1], "utf8"));
appendFileSync(process.env.FAKE_WRANGLER_LOG, `${JSON.stringify({ args, secrets })}\n`);
if (args[0] === process.env.FAKE_WRANGLER_BLOCK) await new Promise((r) => setTimeout(r, 60_000));
if (args[0] === process.env.FAKE_WRANGLER_FAIL) {
  console.error(`✘ [ERROR] ${args[0]} failed`);
  process.exit(1);
}
if (args[0] === "whoami") console.log("You are logged in with an OAuth Token, associated with the email me@example.com.");
if (args[0] === "deploy")
  console.log(
    "Uploaded vastfleet (3.10 sec)\nDeployed vastfleet triggers (0.50 sec)\n  https://vastfleet.me.workers.dev\n  schedule: * * * * *",
  );
