/**
 * `npm run setup` end to end, every prompt answered by a flag or the environment: a fake wrangler
 * (fake-wrangler.mjs) records its calls, and a local server stands in for the deployed Worker's
 * /preflight and /healthz. Runs in Node (it spawns processes): `npm run test:node`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SECRETS = {
  VAST_API_KEY: "vast-key-0123456789-SECRET",
  HF_TOKEN: "hf_token0123456789SECRET",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/slack-SECRET",
};
const FLAGS = [
  "--hf-repo",
  "me/learner",
  "--examples-repo=me/learner-examples",
  "--weights",
  "w-1m",
  "--code-repo",
  "https://github.com/me/code.git",
  "--branch",
  "dev",
  "--max-price",
  "0.12",
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  calls: { args: string[]; secrets: Record<string, string> | null }[];
  toml: string;
}

const requests: IncomingMessage[] = [];
let healthy = 0;
let server: Server;
let url = "";

before(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    if (req.url?.startsWith("/healthz")) {
      // The first poll comes before the first pass.
      healthy++;
      res.writeHead(healthy > 1 ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(healthy > 1 ? { ok: true } : { ok: false, error: "vast_unobserved", message: "no pass yet" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        fleet: "zeb",
        target: 1,
        ok: true,
        checks: [{ name: "vastKey", ok: true, detail: "accepted by Vast (account 1)", fix: null }],
        firstPass: { rentals: [], dph: 0, perDay: 0 },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
after(() => server.close());

/** With `interrupt`, the deploy hangs and setup gets SIGINT once wrangler has logged the deploy call. */
function setup(args: string[], env: Record<string, string> = {}, fail = "", input: string | null = null, interrupt = false): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "vastfleet-setup-test-"));
  const config = join(dir, "wrangler.toml");
  copyFileSync(join(ROOT, "wrangler.toml"), config);
  const log = join(dir, "calls.jsonl");
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/setup.ts", "--config", config, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      VASTFLEET_WRANGLER: join(ROOT, "test/node/fake-wrangler.mjs"),
      FAKE_WRANGLER_LOG: log,
      FAKE_WRANGLER_FAIL: fail,
      FAKE_WRANGLER_BLOCK: interrupt ? "deploy" : "",
      ...env,
    },
    stdio: [input === null ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (input !== null) child.stdin?.end(input);
  const poll = setInterval(() => {
    if (interrupt && existsSync(log) && readFileSync(log, "utf8").includes('"deploy"')) {
      clearInterval(poll);
      child.kill("SIGINT");
    }
  }, 50);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) =>
    child.on("close", (code) => {
      clearInterval(poll);
      const calls = existsSync(log)
        ? readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as Run["calls"][number])
        : [];
      done({ code, stdout, stderr, calls, toml: readFileSync(config, "utf8") });
    }),
  );
}

// Each test spawns its own setup; together they take the time of the slowest.
describe("npm run setup", { concurrency: true }, () => {
  it("deploys with every secret in one upload, prints the tokens once, runs the preflight and waits for the first pass", async () => {
    const run = await setup([...FLAGS, "--yes", "--url", url, "--poll", "0.05", "--wait", "20"], SECRETS);
    assert.equal(run.code, 0, run.stderr);

    assert.deepEqual(
      run.calls.map((c) => c.args[0]),
      ["whoami", "deploy"],
    );
    const deploy = run.calls[1]!;
    assert.equal(deploy.args[1], "--config");
    assert.equal(deploy.args[3], "--secrets-file");
    assert.equal(existsSync(deploy.args[4]!), false, "the secrets file is deleted after the deploy");
    const { API_TOKEN, API_READ_TOKEN, ...given } = deploy.secrets ?? {};
    assert.deepEqual(given, SECRETS);
    assert.match(API_TOKEN ?? "", /^[0-9a-f]{64}$/);
    assert.match(API_READ_TOKEN ?? "", /^[0-9a-f]{64}$/);
    assert.notEqual(API_TOKEN, API_READ_TOKEN);

    // The settings are in [vars], the comments and the other tables as they were.
    for (const line of [
      'ZEB_REPO_ID = "me/learner"',
      'ZEB_EXAMPLES_REPO_ID = "me/learner-examples"',
      'ZEB_WEIGHTS_NAME = "w-1m"',
      'ZEB_CODE_REPO = "https://github.com/me/code.git"',
      'ZEB_CODE_BRANCH = "dev"',
      'ZEB_MAX_DPH = "0.12"',
      'ZEB_FLEET = "zeb"',
    ])
      assert.ok(run.toml.includes(`\n${line}\n`), line);
    const original = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
    for (const line of original.split("\n").filter((l) => l.startsWith("#") || l.startsWith("[")))
      assert.ok(run.toml.includes(line), `kept: ${line}`);

    // Each token is printed exactly once; no other secret at all.
    assert.equal(run.stdout.split(API_TOKEN!).length, 2);
    assert.equal(run.stdout.split(API_READ_TOKEN!).length, 2);
    for (const secret of Object.values(SECRETS)) assert.ok(!`${run.stdout}${run.stderr}`.includes(secret), "no secret printed");

    const preflight = requests.find((r) => r.url?.startsWith("/preflight"));
    assert.equal(preflight?.url, "/preflight?n=1");
    assert.equal(preflight?.headers.authorization, `Bearer ${API_TOKEN}`);
    assert.match(run.stdout, /Preflight of fleet zeb at target 1: ready/);
    assert.ok(healthy >= 2, "waited past the 503");
    assert.match(run.stdout, new RegExp(`Dashboard: ${url}/ `));
  });

  it("asks what no flag or variable answered, in order, the defaults taken on an empty line", async () => {
    const answers = ["me/a", "me/b", "w1", "https://github.com/me/c.git", "", "0.1", SECRETS.VAST_API_KEY, SECRETS.HF_TOKEN, ""];
    const run = await setup(["--url", "http://127.0.0.1:1", "--wait", "0"], {}, "", `${answers.join("\n")}\n`);
    assert.equal(run.code, 1, "deployed; the stand-in Worker is unreachable, so no preflight and no first pass");
    assert.match(run.stdout, /^Hugging Face repository of the learner's weights \(owner\/name\): /);
    assert.match(run.stdout, /its branch \[main\]: price cap per worker, \$\/h \[0\.09\]: /);
    assert.ok(run.toml.includes('\nZEB_CODE_BRANCH = "main"\nZEB_MAX_DPH = "0.1"\n'));
    assert.deepEqual(Object.keys(run.calls[1]?.secrets ?? {}), ["VAST_API_KEY", "HF_TOKEN", "API_TOKEN", "API_READ_TOKEN"]);
    for (const secret of [SECRETS.VAST_API_KEY, SECRETS.HF_TOKEN]) assert.ok(!run.stdout.includes(secret), "secrets are not echoed");
  });

  it("with --yes and an answer missing, names every missing flag and changes nothing", async () => {
    const run = await setup(["--yes", "--hf-repo", "me/learner"], { VAST_API_KEY: SECRETS.VAST_API_KEY });
    assert.equal(run.code, 2);
    const missing = run.stderr.split("usage:")[0] ?? "";
    for (const flag of ["--examples-repo", "--weights", "--code-repo", "--hf-token (or HF_TOKEN)"])
      assert.ok(missing.includes(`  ${flag}: `), flag);
    assert.ok(!missing.includes("--vast-key"), "the environment answered it");
    assert.deepEqual(run.calls, []);
    assert.equal(run.toml, readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  });

  it("invalid answers are refused by the fleet's own rules, naming the setting, before anything runs", async () => {
    const run = await setup([...FLAGS, "--max-price", "free", "--slack-webhook", "https://example.com/x", "--yes"], {
      VAST_API_KEY: SECRETS.VAST_API_KEY,
      HF_TOKEN: SECRETS.HF_TOKEN,
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /ZEB_MAX_DPH/);
    assert.match(run.stderr, /--slack-webhook: a https:\/\/hooks\.slack\.com/);
    assert.deepEqual(run.calls, []);
  });

  for (const [args, message] of [
    [["--vast-kye=vast-SECRET-0123"], "unknown or malformed argument --vast-kye\n"],
    [["--n", "many-SECRET"], "unknown or malformed argument --n\n"],
    [["--url", "https://me:pw-SECRET@vastfleet.example.com"], "--url: the URL carries user:password@ credentials"],
    [["--url", "http://vastfleet.example.com"], "--url: an http:// URL is allowed only for localhost"],
  ] as const)
    it(`${JSON.stringify(args)} is refused, naming the flag but never its value, before anything runs`, async () => {
      const run = await setup([...FLAGS, "--yes", ...args], SECRETS);
      assert.equal(run.code, 2);
      assert.ok(run.stderr.includes(message), run.stderr);
      assert.ok(!`${run.stdout}${run.stderr}`.includes("SECRET"), "no value printed");
      assert.deepEqual(run.calls, []);
    });

  it("a failed deploy issues no token and leaves no secrets file", async () => {
    const run = await setup([...FLAGS, "--yes", "--url", url], SECRETS, "deploy");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /wrangler deploy failed \(exit 1\)/);
    assert.ok(!run.stdout.includes("API_TOKEN "), "no token printed");
    const file = run.calls[1]?.args[4];
    assert.ok(file && !existsSync(file));
  });

  it("Ctrl-C during the deploy removes the secrets file, stops wrangler and exits 130", async () => {
    const run = await setup([...FLAGS, "--yes", "--url", url], SECRETS, "", null, true);
    assert.equal(run.code, 130, run.stderr);
    const file = run.calls[1]?.args[4] ?? "";
    assert.ok(file.endsWith("secrets.json"));
    assert.equal(existsSync(dirname(file)), false, "the secrets directory is gone");
    assert.ok(!run.stdout.includes("API_TOKEN "), "no token printed");
  });
});
