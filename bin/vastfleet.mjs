#!/usr/bin/env node
/**
 * `npx vastfleet <command>`: the process around src/cli/run.ts. It reads VASTFLEET_URL,
 * VASTFLEET_TOKEN, VASTFLEET_FLEET and the config file ($XDG_CONFIG_HOME or ~/.config,
 * vastfleet/config.json), loads the TypeScript core through tsx (so Node 20 runs it as well as 22),
 * and exits with the code the core decided.
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { tsImport } from "tsx/esm/api";

// A scale or down runs a whole pass before it answers: allow minutes, not the default of none.
const TIMEOUT_MS = 120_000;

async function configFile() {
  const path = join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "vastfleet", "config.json");
  try {
    return { path, text: await readFile(path, "utf8") };
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw e;
  }
}

const { runCli } = await tsImport("../src/cli/run.ts", import.meta.url);
const { VASTFLEET_URL, VASTFLEET_TOKEN, VASTFLEET_FLEET } = process.env;
const result = await runCli(
  process.argv.slice(2),
  { env: { VASTFLEET_URL, VASTFLEET_TOKEN, VASTFLEET_FLEET }, configFile: await configFile() },
  (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) }),
);
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
