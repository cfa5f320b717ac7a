import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parseArgs, type Sources } from "../../src/cli/args";
import { EXIT } from "../../src/cli/exit";
import { type CliResult, type Fetch, runCli } from "../../src/cli/run";
import { ADMIN, call, READ, resetMarket, SECRETS, simInstances } from "../api/helpers";

/**
 * `npx vastfleet`'s core against the real Worker: every command goes through the Worker's fetch
 * handler, the fleet objects and the simulator, as bin/vastfleet.mjs sends it over HTTP.
 */

const URL_ = "https://vastfleet.test";
const worker: Fetch = (url, init) => exports.default.fetch(new Request(url, init));
const outputs: string[] = [];

async function cli(argv: string[], sources: Partial<Sources> = {}, fetch: Fetch = worker): Promise<CliResult> {
  const got = await runCli(argv, { env: { VASTFLEET_URL: URL_, VASTFLEET_TOKEN: ADMIN }, configFile: null, ...sources }, fetch);
  outputs.push(got.stdout, got.stderr);
  return got;
}

beforeAll(async () => {
  await resetMarket();
});

describe("each command against the Worker", () => {
  it("status prints the API's text table; --json its JSON", async () => {
    const text = await cli(["status"]);
    expect(text).toMatchObject({ code: EXIT.ok, stderr: "" });
    expect(text.stdout).toBe((await call("/status?format=text")).text);
    expect(text.stdout).toMatch(/^Label +GPU +Phase +Status/);
    const json = await cli(["status", "--json"]);
    expect(json.code).toBe(EXIT.ok);
    expect(JSON.parse(json.stdout)).toMatchObject({ fleets: [{ fleet: "zeb" }], totals: { instances: 0 } });
  });

  it("preflight prints the checks: exit 0 when ready, 1 when a check fails (in --json too)", async () => {
    const ready = await cli(["preflight", "--n", "2"]);
    expect(ready.code).toBe(EXIT.ok);
    expect(ready.stdout).toMatch(/^Preflight of fleet zeb at target 2: ready\n/);
    const over = await cli(["preflight", "--n", "3", "--json"]);
    expect(over.code).toBe(EXIT.apiError);
    expect(JSON.parse(over.stdout)).toMatchObject({
      ok: false,
      target: 3,
      checks: expect.arrayContaining([expect.objectContaining({ name: "offers", ok: false })]),
    });
  });

  it("scale N runs a pass and prints its launches; the simulator has them", async () => {
    const got = await cli(["scale", "1"]);
    expect(got).toMatchObject({ code: EXIT.ok, stderr: "" });
    expect(got.stdout).toMatch(
      /^zeb: target 1\nAction +Label +ID +Reason\n-+\nlaunch +zeb-worker-vast-0 +\d+ +slot 0 empty \(target 1\): RTX 3070 /,
    );
    expect((await simInstances()).filter((i) => i.label?.startsWith("zeb-worker-vast-"))).toHaveLength(1);
  });

  it("up N --gpu G adds to the target on one model; a model with no offer says what held it", async () => {
    const got = await cli(["up", "1", "--gpu", "RTX_3070"]);
    expect(got.code).toBe(EXIT.ok);
    expect(got.stdout).toMatch(/^zeb: 1 added on RTX 3070\nAction +Label +ID +Reason\n-+\nlaunch +zeb-worker-vast-1 /);
    const none = await cli(["up", "1", "--gpu=H100_SXM"]);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stdout).toMatch(/^zeb: 0 added on H100 SXM\nno action\nheld: no offers for 1 slot\(s\) on H100 SXM/);
  });

  it("pause and resume, in text and --json", async () => {
    expect(await cli(["pause"])).toMatchObject({ code: EXIT.ok, stdout: "zeb: paused (no autonomous actions)\n" });
    expect(JSON.parse((await cli(["resume", "--json"])).stdout)).toEqual({ fleet: "zeb", paused: false });
  });

  it("events --limit N prints the newest first as a table", async () => {
    const got = await cli(["events", "--limit", "3"]);
    expect(got.code).toBe(EXIT.ok);
    const lines = got.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Time \(UTC\) +Action +Label +Phase +Reason$/);
    expect(lines).toHaveLength(3 + 3);
    expect(lines[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +resume +- +- +autonomous actions resumed$/);
  });

  it("logs ID prints the worker's text (or that there is none yet); an id not in the fleet is exit 4", async () => {
    const [mine] = (await simInstances()).filter((i) => i.label === "zeb-worker-vast-0");
    if (!mine) throw new Error("no zeb-worker-vast-0");
    const got = await cli(["logs", String(mine.id), "--tail", "5"]);
    expect(got.code).toBe(EXIT.ok);
    expect(got.stdout.length).toBeGreaterThan(1);
    const missing = await cli(["logs", "999999999"]);
    expect(missing).toMatchObject({ code: EXIT.notFound, stdout: "" });
    expect(missing.stderr).toMatch(/^logs: HTTP 404 not_found: instance 999999999 is not in fleet zeb/);
  });

  it("hosts prints what the fleet learned, or that it learned nothing yet", async () => {
    const got = await cli(["hosts"]);
    expect(got.code).toBe(EXIT.ok);
    expect(got.stdout).toMatch(/^(zeb: no host learned yet|Machine +GPU +games\/s +Strikes +Blocked +Reason)\n/);
    expect(JSON.parse((await cli(["hosts", "--json"])).stdout)).toMatchObject({ fleet: "zeb", hosts: expect.any(Array) });
  });

  it("down without --confirm lists what it would destroy; with it, destroys", async () => {
    const dry = await cli(["down"]);
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toMatch(/^Label +GPU +Status +ID\n/);
    expect(dry.stdout).toMatch(/add --confirm zeb to destroy 2 instance\(s\) of fleet zeb and set its target to 0; nothing was changed\n$/);
    const wrong = await cli(["down", "--confirm", "zeb-large"]);
    expect(wrong.stdout).toContain("nothing was changed");
    const done = await cli(["down", "--confirm", "zeb"]);
    expect(done.code).toBe(EXIT.ok);
    expect(done.stdout).toMatch(/^zeb: target 0, 2 instance\(s\) destroyed: \d+, \d+\n$/);
  });

  it("--fleet names the fleet; an unknown one is exit 4 with the API's message", async () => {
    const got = await cli(["status", "--fleet", "nope"]);
    expect(got).toMatchObject({ code: EXIT.notFound, stdout: "" });
    expect(got.stderr).toContain("status: HTTP 404 unknown_fleet: fleet: no fleet named nope");
    expect((await cli(["status"], { env: { VASTFLEET_URL: URL_, VASTFLEET_TOKEN: ADMIN, VASTFLEET_FLEET: "nope" } })).code).toBe(
      EXIT.notFound,
    );
  });
});

describe("errors and exit codes", () => {
  it("a wrong token is exit 3 with the API's message; the read token may read but not act", async () => {
    const wrong = await cli(["status", "--token", "not-the-token-0123456789"]);
    expect(wrong).toMatchObject({ code: EXIT.auth, stdout: "", stderr: "status: HTTP 401 unauthorized: the bearer token is not valid\n" });
    const json = await cli(["status", "--json"], { env: { VASTFLEET_URL: URL_, VASTFLEET_TOKEN: "not-the-token-0123456789" } });
    expect(json.code).toBe(EXIT.auth);
    expect(JSON.parse(json.stdout)).toEqual({ error: "unauthorized", message: "the bearer token is not valid" });
    expect((await cli(["status", "--token", READ])).code).toBe(EXIT.ok);
    const act = await cli(["scale", "1", "--token", READ]);
    expect(act.code).toBe(EXIT.auth);
    expect(act.stderr).toMatch(/^scale: HTTP 403 forbidden: /);
  });

  it("input the API refuses is exit 2 and changes nothing", async () => {
    const got = await cli(["scale", "999"]);
    expect(got.code).toBe(EXIT.usage);
    expect(got.stderr).toMatch(/^scale: HTTP 400 invalid_input: n: /);
  });

  it("a busy fleet is exit 5, an unreachable Worker 6, another API error 1, an answer that is not the route's 1", async () => {
    const answer =
      (status: number, body: string): Fetch =>
      async () =>
        new Response(body, { status });
    const busy = await cli(["scale", "1"], {}, answer(409, '{"error":"busy","message":"a pass of zeb is running"}'));
    expect(busy).toMatchObject({ code: EXIT.busy, stderr: "scale: HTTP 409 busy: a pass of zeb is running\n" });
    const down = await cli(["status"], {}, async () => {
      throw new TypeError("fetch failed");
    });
    expect(down).toMatchObject({ code: EXIT.unreachable, stderr: "cannot reach https://vastfleet.test: fetch failed\n" });
    expect(await cli(["hosts"], {}, answer(502, "<html>bad gateway</html>"))).toMatchObject({
      code: EXIT.apiError,
      stderr: "hosts: HTTP 502\n",
    });
    const odd = await cli(["pause"], {}, answer(200, '{"fleet":"zeb"}'));
    expect(odd).toMatchObject({ code: EXIT.apiError, stdout: "" });
    expect(odd.stderr).toMatch(/^pause: HTTP 200 but not the answer expected: paused: /);
  });

  // An action that may have reached the Worker must not read as "cannot reach": a rerun of /up rents as many again.
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" });
  const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
  it.each([
    ["scale", "a timeout", new DOMException("The operation was aborted due to timeout", "TimeoutError"), EXIT.uncertain],
    ["scale", "an abort", new DOMException("This operation was aborted", "AbortError"), EXIT.uncertain],
    ["up", "a dropped connection", new TypeError("fetch failed", { cause: reset }), EXIT.uncertain],
    ["down", "an error without a cause", new TypeError("fetch failed"), EXIT.uncertain],
    ["scale", "a refused connection", new TypeError("fetch failed", { cause: refused }), EXIT.unreachable],
    ["up", "every address refused", new TypeError("fetch failed", { cause: new AggregateError([refused, refused]) }), EXIT.unreachable],
    ["pause", "an unknown host", new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } }), EXIT.unreachable],
    ["resume", "a bad certificate", new TypeError("fetch failed", { cause: { code: "CERT_HAS_EXPIRED" } }), EXIT.unreachable],
    ["status", "a timeout on a read", new DOMException("The operation was aborted due to timeout", "TimeoutError"), EXIT.unreachable],
  ] as const)("%s after %s: exit %i", async (command, _what, error, code) => {
    const argv = command === "scale" || command === "up" ? [command, "1"] : [command];
    const got = await cli(argv, {}, async () => {
      throw error;
    });
    expect(got.code).toBe(code);
    if (code === EXIT.uncertain)
      expect(got.stderr).toBe(
        `${command}: no answer from https://vastfleet.test (${error.message}): it may have been applied; check \`vastfleet status\` before retrying\n`,
      );
    else expect(got.stderr).toBe(`cannot reach https://vastfleet.test: ${error.message}\n`);
  });

  it("--help prints the usage to stdout, exit 0, without needing a URL or token", async () => {
    const got = await cli(["--help"], { env: {} });
    expect(got).toMatchObject({ code: EXIT.ok, stderr: "" });
    expect(got.stdout).toMatch(/^usage: vastfleet <command>/);
  });

  it.each([
    [[], "no command"],
    [["launch"], "unknown command launch"],
    [["scale"], "N: a whole number is needed"],
    [["scale", "-1"], "N: a whole number"],
    [["scale", "two"], "N: a whole number"],
    [["scale", "2", "3"], "unexpected 3"],
    [["status", "2"], "status takes no operand (2)"],
    [["up", "1", "--confirm", "zeb"], "--confirm: not an option of this command"],
    [["up", "1", "--gpu", "_"], "GPU names are letters"],
    [["logs"], "ID: the instance id is needed"],
    [["events", "--limit", "5000"], "--limit: at most 1000"],
    [["status", "--fleet", "Bad Name"], "fleet names are 1-40 lowercase"],
    [["status", "--url"], "--url needs a value"],
    [["status", "--url", "ftp://x"], "the Worker's http(s) URL is needed"],
    [["status", "--verbose"], "unknown option --verbose"],
    [["status", "--tokn=typo-SECRET-0123"], "unknown option --tokn\n"],
    [["status", "--json=typo-SECRET-0123"], "unknown option --json\n"],
    [["status", "--url", "http://vastfleet.example.com"], "an http:// URL is allowed only for localhost"],
    [["status", "--url", "http://10.0.0.5:8787"], "an http:// URL is allowed only for localhost"],
    [["status", "--url", "https://me:typo-SECRET-0123@vastfleet.test"], "the URL carries user:password@ credentials"],
    [["status", "--url", "http://me:typo-SECRET-0123@localhost:8787"], "the URL carries user:password@ credentials"],
  ])("%j is exit 2: %s, and the usage", async (argv, message) => {
    const got = await cli(argv);
    expect(got.code).toBe(EXIT.usage);
    expect(got.stdout).toBe("");
    expect(got.stderr).toContain(message);
    expect(got.stderr).toContain("usage: vastfleet <command>");
    expect(got.stderr).not.toContain("SECRET");
  });

  it.each(["http://localhost:8787", "http://127.0.0.1:8787/", "http://[::1]:8787", "https://vastfleet.me.workers.dev"])(
    "%s is a URL the token may go to",
    (url) => {
      expect(parseArgs(["status", "--url", url], { env: { VASTFLEET_TOKEN: ADMIN }, configFile: null })).toMatchObject({ ok: true });
    },
  );
});

describe("where the URL, token and fleet come from", () => {
  const file = (text: string) => ({ path: "/home/me/.config/vastfleet/config.json", text });

  it("a flag wins over the environment, which wins over the config file", async () => {
    const config = file(JSON.stringify({ url: URL_, token: "from-file-0123456789", fleet: "nope" }));
    // The file's token is wrong and its fleet unknown: the environment's token and the flag's fleet win.
    const got = await cli(["status", "--fleet", "zeb"], { env: { VASTFLEET_TOKEN: ADMIN }, configFile: config });
    expect(got.code).toBe(EXIT.ok);
    const fromFile = await cli(["status"], { env: {}, configFile: file(JSON.stringify({ url: URL_, token: ADMIN })) });
    expect(fromFile.code).toBe(EXIT.ok);
    expect((await cli(["status"], { env: {}, configFile: config })).code).toBe(EXIT.auth);
  });

  it("no URL or token anywhere, or a config file that is not the config, is exit 2 naming what is missing", async () => {
    const none = await cli(["status"], { env: {} });
    expect(none.code).toBe(EXIT.usage);
    expect(none.stderr).toContain("the Worker's http(s) URL is needed: --url, VASTFLEET_URL or the config file");
    expect(none.stderr).toContain("a token is needed: --token, VASTFLEET_TOKEN or the config file");
    const bad = await cli(["status"], { configFile: file("{url: x}") });
    expect(bad).toMatchObject({ code: EXIT.usage, stderr: "/home/me/.config/vastfleet/config.json: not JSON\n" });
    const extra = await cli(["status"], { configFile: file(JSON.stringify({ token: ADMIN, tokn: "x" })) });
    expect(extra.code).toBe(EXIT.usage);
    expect(extra.stderr).toContain("config.json: keys Unrecognized key");
    expect(extra.stderr).not.toContain(ADMIN);
  });

  it("no output of any test above carried a secret", () => {
    expect(outputs.length).toBeGreaterThan(40);
    for (const out of outputs) for (const secret of SECRETS) expect(out).not.toContain(secret);
  });
});
