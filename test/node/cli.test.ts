/**
 * bin/vastfleet.mjs as `npx vastfleet` runs it: the config file under $XDG_CONFIG_HOME, the
 * environment over it, the exit code of the process. The commands themselves are tested inside
 * workerd against the Worker (test/cli/cli.test.ts); here a local server answers.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/vastfleet.mjs", import.meta.url));
const TOKEN = "file-token-0123456789";
const TABLE = "Label  GPU  Phase\n-----\n-----\nTotal: 0 instances, $0.000/hr ($0.00/day)\n";
let server: Server;
let url = "";
let closedUrl = "";

before(async () => {
  server = createServer((req, res) => {
    // An action is received, then the connection drops without an answer.
    if (req.method === "POST") return req.socket.destroy();
    const ok = req.headers.authorization === `Bearer ${TOKEN}`;
    res.writeHead(ok ? 200 : 401, { "content-type": ok ? "text/plain" : "application/json" });
    res.end(ok ? (req.url === "/status?format=text" ? TABLE : "?") : '{"error":"unauthorized","message":"the bearer token is not valid"}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
after(() => server.close());

// A port nobody listens on: the connection is refused.
before(async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const address = probe.address();
  closedUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  await new Promise((r) => probe.close(r));
});

function vastfleet(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

describe("npx vastfleet", { concurrency: true }, () => {
  const home = mkdtempSync(join(tmpdir(), "vastfleet-cli-test-"));
  mkdirSync(join(home, "vastfleet"));
  writeFileSync(join(home, "vastfleet", "config.json"), JSON.stringify({ url: "http://127.0.0.1:1", token: TOKEN }));

  it("reads the config file, the environment over it, and prints the API's table (exit 0)", async () => {
    const run = await vastfleet(["status"], { XDG_CONFIG_HOME: home, VASTFLEET_URL: url });
    assert.deepEqual(run, { code: 0, stdout: TABLE, stderr: "" });
  });

  it("the config file's URL alone: unreachable (exit 6)", async () => {
    const run = await vastfleet(["status"], { XDG_CONFIG_HOME: home });
    assert.equal(run.code, 6);
    assert.match(run.stderr, /^cannot reach http:\/\/127\.0\.0\.1:1: /);
  });

  it("an action sent but not answered is exit 7 (it may have been applied); one never sent stays exit 6", async () => {
    const dropped = await vastfleet(["up", "2", "--url", url], { XDG_CONFIG_HOME: home });
    assert.equal(dropped.code, 7);
    assert.match(
      dropped.stderr,
      /^up: no answer from http:\/\/127\.0\.0\.1:\d+ \(.*\): it may have been applied; check `vastfleet status` before retrying\n$/,
    );
    for (const to of [closedUrl, "http://127.0.0.1:1"]) {
      const refused = await vastfleet(["up", "2", "--url", to], { XDG_CONFIG_HOME: home });
      assert.equal(refused.code, 6, refused.stderr);
      assert.ok(refused.stderr.startsWith(`cannot reach ${to}: `), refused.stderr);
    }
  });

  it("a wrong token is exit 3, and the token is never printed", async () => {
    const run = await vastfleet(["status", "--url", url], { XDG_CONFIG_HOME: home, VASTFLEET_TOKEN: "wrong-token-0123456789" });
    assert.equal(run.code, 3);
    assert.equal(run.stderr, "status: HTTP 401 unauthorized: the bearer token is not valid\n");
    assert.ok(!`${run.stdout}${run.stderr}`.includes("wrong-token-0123456789"));
  });

  it("no config anywhere is exit 2 with the usage", async () => {
    const run = await vastfleet(["status"], { HOME: mkdtempSync(join(tmpdir(), "vastfleet-cli-home-")) });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /usage: vastfleet <command>/);
  });
});
