/**
 * Runs `npm run sim`'s server (scripts/sim.ts) as its own process on a free port (`--port 0`, the
 * port read back from what it prints), as a user would start it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Served {
  /** `http://127.0.0.1:<port>`, as printed. */
  url: string;
  /** The API key printed at start. */
  key: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Sends the signal and resolves with the exit code (null if it had to be killed after 10 s). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startSim(args: string[] = []): Promise<Served> {
  // The same command as `npm run sim`, without npm in between, so the signal reaches the server itself.
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/sim.ts", "--port", "0", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (printed += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (printed += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const started = Date.now();
  let banner: { url: string; key: string } | null = null;
  while (!banner) {
    const url = /listening on (http:\/\/\S+)/.exec(printed)?.[1];
    const key = /API key: (\S+)/.exec(printed)?.[1];
    if (url && key) banner = { url, key };
    else if (child.exitCode !== null) throw new Error(`npm run sim exited (${child.exitCode}) before listening:\n${printed}`);
    else if (Date.now() - started > 30_000) {
      child.kill("SIGKILL");
      throw new Error(`npm run sim printed no address within 30 s:\n${printed}`);
    } else await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    ...banner,
    output: () => printed,
    async stop(signal) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return child.signalCode === "SIGKILL" ? null : code;
    },
  };
}
