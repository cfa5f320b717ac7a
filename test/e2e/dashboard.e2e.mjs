#!/usr/bin/env node
// End-to-end test of the dashboard in a real browser: the Worker under `wrangler dev` against the
// embedded Vast.ai simulator (as `npm start` runs it), driven by Debian's headless Chromium through
// playwright-core. Run by node, not vitest: vitest runs inside workerd, which cannot start a browser.
//
//   npm run test:e2e            (CHROMIUM=/path/to/chromium to use another binary)
//
// Screenshots at desktop and phone width are taken and checked on every run, but kept only with
// SCREENSHOT_DIR set: `npm run screenshots` refreshes docs/screenshots/, so a test run leaves the
// working tree as it found it.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ADMIN = "e2e-admin-token-local";
const READ = "e2e-read-token-local";
const FLEET = "zeb";
// Fast enough that workers boot and the 5-minute history buckets fill in seconds; one cron tick
// per simulated minute, as `npm start` does.
const SPEED = 60;
const TICK_MS = 1000;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the Worker ------------------------------------------------------------------------------
const port = await freePort();
const inspector = await freePort();
const base = `http://127.0.0.1:${port}`;
// A fresh store each run: an earlier run's fleet (or `npm start`'s) must not leak into this one.
const persist = mkdtempSync(join(tmpdir(), "vastfleet-e2e-"));
const SHOTS = process.env.SCREENSHOT_DIR ? resolve(ROOT, process.env.SCREENSHOT_DIR) : join(persist, "screenshots");
const logPath = join(persist, "wrangler.log");
const log = createWriteStream(logPath);
const vars = {
  VAST_API_URL: "http://vast-simulator",
  HF_ENDPOINT: "http://vast-simulator/__sim/hf",
  VAST_API_KEY: "e2e-simulator-key",
  HF_TOKEN: "hf_e2esimulatortoken",
  API_TOKEN: ADMIN,
  API_READ_TOKEN: READ,
  SIM_SPEED: String(SPEED),
  ZEB_WORKERS: "2",
};
const args = [
  "dev",
  "--test-scheduled",
  "--port",
  String(port),
  "--ip",
  "127.0.0.1",
  "--inspector-port",
  String(inspector),
  "--persist-to",
  persist,
  "--show-interactive-dev-session=false",
];
for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
const wrangler = spawn(join(ROOT, "node_modules/.bin/wrangler"), args, {
  cwd: ROOT,
  stdio: ["ignore", "pipe", "pipe"],
  // Its own process group, so that stopping it also stops the workerd it started.
  detached: true,
  // node_modules/.bin first: wrangler needs the npm `node` 22 there, not an older system node.
  env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}`, WRANGLER_SEND_METRICS: "false", CI: "1" },
});
wrangler.stdout.pipe(log);
wrangler.stderr.pipe(log);
let wranglerExited = null;
wrangler.on("exit", (code) => (wranglerExited = code));

let browser = null;
let ticker = null;
function stopAll() {
  if (ticker) clearInterval(ticker);
  if (wranglerExited === null) {
    try {
      process.kill(-wrangler.pid, "SIGTERM");
    } catch {}
  }
}
process.on("SIGINT", () => {
  stopAll();
  process.exit(130);
});

async function api(path, { method = "GET", token = ADMIN } = {}) {
  const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function waitFor(what, check, timeoutMs = 60_000, everyMs = 250) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}

// --- scenarios -------------------------------------------------------------------------------
const results = [];
async function scenario(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(
      `  ✗ ${name}\n      ${String(e?.stack ?? e)
        .split("\n")
        .slice(0, 4)
        .join("\n      ")}`,
    );
    await explain(name).catch((x) => console.log(`      (no diagnostics: ${x})`));
  }
}
/** What the page and the API said when a scenario failed, and a screenshot of it. */
async function explain(name) {
  const s = (await api("/status")).body?.fleets?.[0];
  if (s)
    console.log(`      API: target ${s.target}, paused ${s.paused}, workers ${s.instances.map((i) => `${i.id}:${i.phase}`).join(" ")}`);
  for (const page of open) {
    if (page.isClosed()) continue;
    const msg = await page.textContent(`${fleetSel} .msg`).catch(() => null);
    const err = await page.textContent("#signin-error").catch(() => null);
    console.log(
      `      page ${page.viewportSize()?.width}px: rows ${await page.locator(rowsSel).count()}, message ${JSON.stringify(msg)}, sign-in error ${JSON.stringify(err)}`,
    );
    await page.screenshot({
      path: join(persist, `failed-${name.slice(0, 30).replace(/\W+/g, "-")}-${page.viewportSize()?.width}.png`),
      fullPage: true,
    });
  }
}
const open = new Set();

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

const fleetSel = `section[data-fleet="${FLEET}"]`;
const rowsSel = `${fleetSel} table.workers tbody tr`;

async function newPage(viewport = { width: 1366, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  open.add(page);
  const problems = [];
  // A CSP violation or a script error means the page is broken even if it looks fine.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 40[13]/.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${base}/`);
  return { context, page, problems };
}

async function signIn(page, token) {
  await page.fill("#token", token);
  await page.click("#signin-form button[type=submit]");
}

let exitCode = 1;
try {
  await waitFor(
    "wrangler dev to answer",
    async () => {
      if (wranglerExited !== null) throw new Error(`wrangler exited (${wranglerExited})`);
      const r = await fetch(`${base}/healthz`).catch(() => null);
      return r && (r.status === 200 || r.status === 503);
    },
    120_000,
    500,
  );
  // No host whose uploads Hugging Face refuses: by design that holds every launch of the fleet until
  // the token changes (a refused token must not churn workers), and a run that rented one would never
  // scale up (seen once in CI). This test is about the page; test/fleet/faults.test.ts covers the rule.
  const calm = await fetch(`${base}/__sim/control`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ faultRates: { hf_auth: 0 } }),
  });
  expect(calm.status === 200, `/__sim/control answered ${calm.status}`);
  ticker = setInterval(() => {
    fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => {});
  }, TICK_MS);
  await waitFor(
    "the simulator to launch 2 workers",
    async () => (await api("/status")).body?.fleets?.[0]?.instances?.length === 2,
    90_000,
    500,
  );

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
  console.log(`dashboard e2e: ${base} (wrangler log: ${logPath}), ${CHROMIUM} ${browser.version()}`);

  await scenario("the page shell loads without a token, under a strict CSP, and shows no fleet data", async () => {
    const res = await fetch(`${base}/`);
    expect(res.status === 200, `GET / answered ${res.status}`);
    const csp = res.headers.get("content-security-policy") ?? "";
    for (const d of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "form-action 'none'",
      "base-uri 'none'",
    ])
      expect(csp.includes(d), `CSP lacks ${d}: ${csp}`);
    const html = await res.text();
    expect(!/worker-vast|\$\/hr|ssh -p/.test(html), "the shell contains fleet data");
    expect(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html) && !/\sstyle=/.test(html), "the shell has inline script or style");
    const { context, page, problems } = await newPage();
    expect(await page.isVisible("#signin-form"), "no sign-in form");
    expect(!(await page.isVisible("#dash")), "the dashboard shows before sign-in");
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
    await context.close();
  });

  await scenario("the API page /docs loads without a token under the same CSP and lists every route of /openapi.json", async () => {
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const { context, page, problems } = await newPage();
    const res = await page.goto(`${base}/docs`);
    expect(res?.status() === 200, `GET /docs answered ${res?.status()}`);
    expect((res?.headers()["content-security-policy"] ?? "").includes("script-src 'self'"), "/docs lacks the strict CSP");
    expect((await page.textContent("h1")) === doc.info.title, "/docs is not titled as the OpenAPI document");
    const listed = await page.$$eval("section h2 code", (els) => els.map((e) => (e.textContent ?? "").replace(/\s+/g, " ").trim()));
    const missing = routes.filter((r) => !listed.includes(r));
    expect(routes.length > 10 && missing.length === 0, `routes of /openapi.json missing from /docs: ${missing.join(", ")}`);
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
    await context.close();
  });

  await scenario("a wrong token is refused with a clear message and is not kept", async () => {
    const { context, page, problems } = await newPage();
    await signIn(page, "not-the-right-token");
    await page.waitForSelector("#signin-error:not([hidden])", { timeout: 10_000 });
    const text = await page.textContent("#signin-error");
    expect(/Token refused/.test(text) && /401/.test(text), `message: ${text}`);
    expect(!(await page.isVisible("#dash")), "the dashboard opened with a wrong token");
    expect((await page.evaluate(() => sessionStorage.length)) === 0, "a refused token was stored");
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
    await context.close();
  });

  let admin = null;
  await scenario("sign in with the admin token and see the fleet's 2 workers", async () => {
    admin = await newPage();
    const { page, problems } = admin;
    await signIn(page, ADMIN);
    await page.waitForSelector(rowsSel, { timeout: 20_000 });
    expect((await page.locator(rowsSel).count()) === 2, `rows: ${await page.locator(rowsSel).count()}`);
    expect((await page.textContent("#who")) === "admin", "role badge is not admin");
    expect(!page.url().includes(ADMIN), "the token is in the URL");
    expect((await page.evaluate(() => sessionStorage.getItem("vastfleet.token"))) === ADMIN, "the token is not in sessionStorage");
    const first = page.locator(rowsSel).first();
    expect(/^(BOOT|SETUP|WAIT|RUNNING|STALLED|FATAL|DEAD)$/.test((await first.locator(".phase").textContent()) ?? ""), "no phase badge");
    for (const heading of ["Workers", "Last 24 hours", "GPU value", "Recent events", "Hosts with strikes", "Actions"])
      expect(await page.isVisible(`${fleetSel} h3:text-is("${heading}")`), `no ${heading} section`);
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 4, `${fleetSel} .chart svg`, { timeout: 15_000 });
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("scale from 2 to 4 through the page and see the new workers appear", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    await page.fill(`${fleetSel} form[data-action=scale] input[name=n]`, "4");
    await page.click(`${fleetSel} form[data-action=scale] button`);
    await page.waitForFunction((sel) => /target set to 4/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
      timeout: 30_000,
    });
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length >= 4, rowsSel, { timeout: 60_000 });
    const target = (await api("/status")).body.fleets[0].target;
    expect(target === 4, `target is ${target}`);
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("a worker's logs open from its row: the API's redacted lines, as text, with refresh", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    const worker = await waitFor(
      "a running worker",
      async () => (await api(`/status?fleet=${FLEET}`)).body?.fleets?.[0]?.instances?.find((i) => i.phase === "RUNNING"),
      60_000,
      500,
    );
    const button = `${rowsSel}[data-id="${worker.id}"] button[data-action=logs]`;
    await page.waitForSelector(button, { timeout: 30_000 });
    await page.click(button);
    const log = `${fleetSel} .logs[data-id="${worker.id}"] pre.log`;
    await page.waitForFunction((sel) => /batch \d+/.test(document.querySelector(sel)?.textContent ?? ""), log, { timeout: 20_000 });
    const shown = (await page.textContent(log)) ?? "";
    const heading = (await page.textContent(`${fleetSel} .logs h3`)) ?? "";
    expect(heading.includes(worker.label) && heading.includes(String(worker.id)), `heading: ${heading}`);
    // The worker keeps logging: every line the page shows is one the API answers a moment later.
    const answered = (await api(`/instances/${worker.id}/logs?fleet=${FLEET}&tail=1000`)).body?.text ?? "";
    const lines = shown.split("\n").filter(Boolean);
    expect(
      lines.length > 0 && lines.every((l) => answered.includes(l)),
      `lines not in the API's answer: ${lines.find((l) => !answered.includes(l))}`,
    );
    expect(!shown.includes(ADMIN) && !shown.includes("hf_e2esimulatortoken"), "a secret is in the logs panel");
    let asked = 0;
    const count = (req) => {
      if (new URL(req.url()).pathname === `/instances/${worker.id}/logs`) asked++;
    };
    page.on("request", count);
    await page.click(`${fleetSel} .logs button[data-action=logs-refresh]`);
    await waitFor("the logs to be read again", async () => asked > 0, 10_000, 100);
    page.off("request", count);
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("events show their absolute time on hover, and 'more' asks the API for a longer list", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    const first = `${fleetSel} ul.events li time`;
    await page.waitForSelector(first, { timeout: 20_000 });
    const title = (await page.getAttribute(first, "title")) ?? "";
    expect(/\d{4}, \d\d:\d\d:\d\d$/.test(title), `title: ${title}`);
    const shown = await page.locator(`${fleetSel} ul.events li`).count();
    const longer = page.waitForRequest(
      (r) => new URL(r.url()).pathname === "/events" && Number(new URL(r.url()).searchParams.get("limit")) > 12,
    );
    await page.click(`${fleetSel} button[data-action=more-events]`);
    await longer;
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n, [`${fleetSel} ul.events li`, shown], {
      timeout: 10_000,
    });
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("a chart answers on hover and from the keyboard: the time and the API's value", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    const plot = `${fleetSel} .chart.gps svg`;
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute("data-points")) >= 2, `${fleetSel} .chart.gps`, {
      timeout: 60_000,
    });
    const box = await page.locator(plot).boundingBox();
    expect(box, "no chart");
    // The right edge of the plot: the newest sample (hover scrolls it into view first).
    await page.locator(plot).hover({ position: { x: box.width - 12, y: box.height / 2 } });
    const readout = `${fleetSel} .chart.gps .readout`;
    await page.waitForFunction((sel) => /games\/s \d/.test(document.querySelector(sel)?.textContent ?? ""), readout, { timeout: 5_000 });
    const hovered = (await page.textContent(readout)) ?? "";
    expect((await page.getAttribute(`${fleetSel} .chart.gps .tip`, "visibility")) === "visible", "no tooltip");
    const points = (await api(`/history?fleet=${FLEET}`)).body.points;
    // A new 5-minute sample may have landed since the page drew: the value is one of the last two.
    const last = points.slice(-2).map((p) => `games/s ${p.gamesPerSec.toFixed(1)}`);
    expect(
      last.some((v) => hovered.endsWith(v)),
      `tooltip ${JSON.stringify(hovered)}, API's last points ${last.join(", ")}`,
    );
    await page.focus(plot);
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowLeft");
    const before = (await page.textContent(readout)) ?? "";
    expect(/^\d\d:\d\d · games\/s \d/.test(before) && before !== "", `keyboard readout: ${before}`);
    // The window switch: 7 days, asked of the API, then back to 24 hours.
    const week = page.waitForRequest(
      (r) => new URL(r.url()).pathname === "/history" && new URL(r.url()).searchParams.get("window") === "7d",
    );
    await page.click(`${fleetSel} button[data-window="7d"]`);
    await week;
    await page.waitForSelector(`${fleetSel} h3:text-is("Last 7 days")`, { timeout: 10_000 });
    await page.click(`${fleetSel} button[data-window="24h"]`);
    await page.waitForSelector(`${fleetSel} h3:text-is("Last 24 hours")`, { timeout: 10_000 });
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("the money, credit and learner panels show the figures of the /status answer the page read", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    await page.waitForSelector(`${fleetSel} .panel.money [data-figure=spent-total]`, { timeout: 30_000 });
    // The figures move every second of the simulator: compare with the very answer the page drew.
    const answer = await page.waitForResponse((r) => new URL(r.url()).pathname === "/status" && r.status() === 200, { timeout: 20_000 });
    const f = (await answer.json()).fleets.find((x) => x.fleet === FLEET);
    await sleep(500);
    const shown = Object.fromEntries(
      await page.$$eval(`${fleetSel} [data-figure]`, (els) => els.map((e) => [e.getAttribute("data-figure"), e.textContent])),
    );
    const usd = (x) => (x === null ? "—" : `$${x.toFixed(Math.abs(x) < 1 && x !== 0 ? 3 : 2)}`);
    const int = (x) => (x === null ? "—" : Math.round(x).toLocaleString("en-US"));
    const want = {
      "spent-today": usd(f.money.spent.today),
      "spent-last24h": usd(f.money.spent.last24h),
      "spent-total": usd(f.money.spent.total),
      "games-today": int(f.money.games.today),
      "games-total": int(f.money.games.total),
      "gpd-total": int(f.money.gamesPerDollar.total),
      balance: usd(f.credit.balance),
      burn: `${usd(f.credit.burnPerHour)}/h`,
      runway: f.credit.runwayHours === null ? "—" : `${f.credit.runwayHours.toFixed(1)} h at this burn`,
      step: f.learner.step === null ? "—" : String(f.learner.step),
    };
    for (const [k, v] of Object.entries(want))
      expect(shown[k] === v, `${k}: the page shows ${JSON.stringify(shown[k])}, the API said ${v}`);
    expect(f.money.spent.total > 0 && f.money.games.total > 0, `nothing spent or delivered yet: ${JSON.stringify(f.money)}`);
    expect(f.credit.balance !== null, "the simulator's credit was not read");
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("screenshots at desktop (1366×900) and phone (390×844) width; no sideways scrolling on the phone", async () => {
    expect(admin, "not signed in");
    const { page } = admin;
    mkdirSync(SHOTS, { recursive: true });
    // Let the workers start and the charts gather a few 5-minute points, so the pictures say something.
    await waitFor(
      "running workers and chart points",
      async () => {
        const s = (await api("/status")).body.fleets[0];
        const h = (await api(`/history?fleet=${FLEET}`)).body;
        return s.totals.running >= 2 && h.points.length >= 6;
      },
      90_000,
      1000,
    );
    await page.reload();
    // Three rows or more: a dud's slot can be empty for a pass or two between its destroy and the relaunch.
    await page.waitForFunction(
      (sel) =>
        document.querySelectorAll(sel).length >= 3 &&
        Number(document.querySelector(".chart")?.getAttribute("data-points")) >= 6 &&
        document.querySelector(".panel.money table") !== null,
      rowsSel,
      { timeout: 30_000 },
    );
    await page.screenshot({ path: join(SHOTS, "dashboard-desktop.png"), fullPage: true });

    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone.page, ADMIN);
    await phone.page.waitForFunction(
      (sel) =>
        document.querySelectorAll(sel).length >= 3 && document.querySelector(".chart") && document.querySelector(".panel.money table"),
      rowsSel,
      {
        timeout: 30_000,
      },
    );
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390px`);
    await phone.page.screenshot({ path: join(SHOTS, "dashboard-phone.png"), fullPage: true });
    expect(phone.problems.length === 0, `browser errors: ${phone.problems.join(" | ")}`);
    await phone.context.close();
    for (const f of ["dashboard-desktop.png", "dashboard-phone.png"]) expect(readFileSync(join(SHOTS, f)).length > 10_000, `${f} is empty`);
  });

  await scenario("a host that failed the fleet is listed with why; the read token cannot forget it, the admin can", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    // The next launch lands on a host without CUDA: it dies before its first batch and is blocked.
    const forced = await fetch(`${base}/__sim/control`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ forceFault: { next: "no_cuda" } }),
    });
    expect(forced.status === 200, `/__sim/control answered ${forced.status}`);
    expect((await api(`/scale?fleet=${FLEET}&n=5`, { method: "POST" })).status === 200, "scale to 5 refused");
    try {
      const host = await waitFor(
        "a blocked host",
        async () => (await api(`/hosts?fleet=${FLEET}`)).body?.hosts?.find((x) => x.blocked),
        90_000,
        500,
      );
      const row = `${fleetSel} table.hosts tr[data-machine="${host.machineId}"]`;
      await page.waitForSelector(row, { timeout: 30_000 });
      // The reason can change between the page's refresh and ours (a later strike): it must say one.
      const status = (await page.textContent(`${row} td[data-label=status]`)) ?? "";
      const why = (await page.textContent(`${row} td[data-label=why]`)) ?? "";
      expect(status === "blocked" && why.length > 3 && why !== "—", `row: status ${status}, why ${why}`);

      const reader = await newPage();
      await signIn(reader.page, READ);
      await reader.page.waitForSelector(row, { timeout: 30_000 });
      expect(await reader.page.isDisabled(`${row} button[data-action=forget]`), "forget is enabled for the read token");
      await reader.context.close();

      await page.click(`${row} button[data-action=forget]`);
      await page.waitForFunction((sel) => /forgotten/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
        timeout: 15_000,
      });
      expect(!(await api(`/hosts?fleet=${FLEET}`)).body.hosts.some((x) => x.machineId === host.machineId), "the API still knows the host");
      await page.waitForSelector(row, { state: "detached", timeout: 15_000 });
    } finally {
      await api(`/scale?fleet=${FLEET}&n=4`, { method: "POST" });
    }
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario(
    "an admin blocks a worker's host from its row (the form takes the row's machine); the host is listed with the reason, and the worker stays",
    async () => {
      expect(admin, "not signed in");
      const { page, problems } = admin;
      const worker = (await api(`/status?fleet=${FLEET}`)).body?.fleets?.[0]?.instances?.find(
        (i) => i.machineId !== null && i.phase === "RUNNING",
      );
      expect(worker, "no worker with a machine");
      const machine = worker.machineId;
      await page.waitForFunction(
        ([sel, m]) => [...document.querySelectorAll(sel)].some((td) => td.textContent.includes(`machine ${m}`)),
        [`${rowsSel} td[data-label=Worker]`, machine],
        { timeout: 30_000 },
      );
      const formSel = `${fleetSel} form[data-action=block]`;
      try {
        await page.click(`${rowsSel}[data-id="${worker.id}"] button[data-action=block-host]`);
        expect(
          (await page.inputValue(`${formSel} input[name=machineId]`)) === String(machine),
          "the row's button did not fill the form with its machine",
        );
        expect(
          await page.evaluate((sel) => document.activeElement === document.querySelector(sel), `${formSel} input[name=reason]`),
          "the reason field is not focused",
        );
        await page.keyboard.type("throttles under load");
        await page.check(`${formSel} input[name=fleetOnly]`);
        await page.click(`${formSel} button`);
        await page.waitForFunction((sel) => /blocked for fleet/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
          timeout: 15_000,
        });
        const row = `${fleetSel} table.hosts tr[data-machine="${machine}"]`;
        await page.waitForSelector(row, { timeout: 30_000 });
        const why = await page.textContent(`${row} td[data-label=why]`);
        expect(why === "blocked by the operator: throttles under load", `why: ${why}`);
        const listed = (await api(`/hosts?fleet=${FLEET}`)).body.hosts.find((x) => x.machineId === machine);
        expect(listed?.blocked === true, "the API does not list the host as blocked");
        expect(
          (await api(`/status?fleet=${FLEET}`)).body.fleets[0].instances.some((i) => i.id === worker.id),
          "the worker on the blocked host was destroyed",
        );
      } finally {
        await api(`/hosts/${machine}?fleet=${FLEET}`, { method: "DELETE" });
      }
      expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
    },
  );

  await scenario("an admin replaces one worker from its row: it is destroyed, and the pass refills its slot or says why not", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    const worker = (await api(`/status?fleet=${FLEET}`)).body?.fleets?.[0]?.instances?.find((i) => i.phase === "RUNNING");
    expect(worker, "no running worker");
    const button = `${rowsSel}[data-id="${worker.id}"] button[data-action=replace]`;
    await page.waitForSelector(button, { timeout: 30_000 });
    page.once("dialog", (d) => d.accept());
    await page.click(button);
    await page.waitForFunction((sel) => /replaced/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
      timeout: 15_000,
    });
    const msg = (await page.textContent(`${fleetSel} .msg`)) ?? "";
    // Refilled in the same pass when the market has an offer under the cap; else the pass says why not.
    expect(/destroy/.test(msg) && (/launch/.test(msg) || /held: no offers/.test(msg)), `message: ${msg}`);
    await waitFor(
      "the replaced worker to leave /status",
      async () => !(await api(`/status?fleet=${FLEET}`)).body.fleets[0].instances.some((i) => i.id === worker.id),
      30_000,
      500,
    );
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("roll from the page: the fleet says it is rolling, and the same button cancels it", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    const rollButton = `${fleetSel} form[data-action=roll] button`;
    try {
      await page.click(rollButton);
      await page.waitForFunction((sel) => /rolling: \d+ worker/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
        timeout: 15_000,
      });
      await page.waitForFunction(
        (sel) => /Rolling: \d+ worker\(s\) started before it left/.test(document.querySelector(sel)?.textContent ?? ""),
        fleetSel,
        { timeout: 30_000 },
      );
      expect((await api(`/status?fleet=${FLEET}`)).body.fleets[0].roll !== null, "the API does not say it is rolling");
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "Cancel roll", rollButton, { timeout: 15_000 });
      await page.click(rollButton);
      await page.waitForFunction((sel) => /roll cancelled/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
        timeout: 15_000,
      });
      expect(
        (await api(`/status?fleet=${FLEET}`)).body.fleets[0].roll === null,
        "the API still says it is rolling after the page cancelled it",
      );
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "Roll", rollButton, { timeout: 15_000 });
    } finally {
      await api(`/roll?fleet=${FLEET}&cancel=1`, { method: "POST" });
    }
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await scenario("the read token sees but cannot act: controls disabled, a forced attempt shows the API's 403", async () => {
    const { context, page, problems } = await newPage();
    await signIn(page, READ);
    await page.waitForSelector(rowsSel, { timeout: 20_000 });
    expect((await page.textContent("#who")) === "read-only", "role badge is not read-only");
    for (const action of ["scale", "up", "pause", "resume", "down", "block", "roll"]) {
      expect(await page.isDisabled(`${fleetSel} form[data-action=${action}] button`), `${action} is enabled for the read token`);
    }
    expect(await page.isDisabled(`${rowsSel} button[data-action=replace] >> nth=0`), "replace is enabled for the read token");
    expect(await page.isDisabled(`${rowsSel} button[data-action=block-host] >> nth=0`), "block host is enabled for the read token");
    // Reading logs is reading: the read token opens them. The row is one the API lists now: a worker
    // the earlier scenarios replaced may still be on the page until its next refresh.
    const worker = await waitFor(
      "a running worker",
      async () => (await api(`/status?fleet=${FLEET}`, { token: READ })).body?.fleets?.[0]?.instances?.find((i) => i.phase === "RUNNING"),
      60_000,
      500,
    );
    const logsButton = `${rowsSel}[data-id="${worker.id}"] button[data-action=logs]`;
    await page.waitForSelector(logsButton, { timeout: 30_000 });
    expect(!(await page.isDisabled(logsButton)), "logs are disabled for the read token");
    await page.click(logsButton);
    const logSel = `${fleetSel} .logs[data-id="${worker.id}"] pre.log`;
    await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? "loading…") !== "loading…", logSel, {
      timeout: 20_000,
    });
    const logText = (await page.textContent(logSel)) ?? "";
    expect(!/could not read the logs/.test(logText), `logs for the read token: ${logText.slice(0, 120)}`);
    // Past the disabled controls (as a user with devtools could): the API itself must refuse.
    await page.evaluate((sel) => {
      for (const e of document.querySelectorAll(sel)) e.removeAttribute("disabled");
    }, `${fleetSel} form[data-action=scale] *`);
    await page.fill(`${fleetSel} form[data-action=scale] input[name=n]`, "1");
    await page.click(`${fleetSel} form[data-action=scale] button`);
    await page.waitForFunction((sel) => /refused/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
      timeout: 15_000,
    });
    const msg = await page.textContent(`${fleetSel} .msg`);
    expect(/403/.test(msg) && /forbidden/.test(msg), `message: ${msg}`);
    const target = (await api("/status")).body.fleets[0].target;
    expect(target === 4, `the read token changed the target to ${target}`);
    expect(problems.filter((p) => !/403/.test(p)).length === 0, `browser errors: ${problems.join(" | ")}`);
    await context.close();
  });

  await scenario("a hidden tab stops polling the API and catches up when shown again", async () => {
    expect(admin, "not signed in");
    const { page } = admin;
    let calls = 0;
    const count = (req) => {
      if (new URL(req.url()).pathname === "/status") calls++;
    };
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    // A refresh already under way when the tab was hidden may still finish; count after it.
    await sleep(1_000);
    page.on("request", count);
    // Longer than one refresh period (10 s): a visible tab would have asked at least once.
    await sleep(11_000);
    expect(calls === 0, `a hidden tab asked /status ${calls} time(s)`);
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await waitFor("a refresh once shown", async () => calls > 0, 5_000, 100);
    page.off("request", count);
  });

  await scenario("pause and resume through the page", async () => {
    expect(admin, "not signed in");
    const { page } = admin;
    await page.click(`${fleetSel} form[data-action=pause] button`);
    await page.waitForSelector(`${fleetSel} .fleet-head .badge:text-is("paused")`, { timeout: 20_000 });
    expect((await api("/status")).body.fleets[0].paused === true, "the API does not say paused");
    await page.click(`${fleetSel} form[data-action=resume] button`);
    await page.waitForSelector(`${fleetSel} .fleet-head .badge:text-is("active")`, { timeout: 20_000 });
    expect((await api("/status")).body.fleets[0].paused === false, "the API still says paused");
  });

  await scenario("down needs the fleet's name typed, then destroys the fleet's workers", async () => {
    expect(admin, "not signed in");
    const { page, problems } = admin;
    const button = `${fleetSel} form[data-action=down] button`;
    await page.fill(`${fleetSel} form[data-action=down] input`, "ze");
    expect(await page.isDisabled(button), "down is enabled before the name is typed");
    await page.fill(`${fleetSel} form[data-action=down] input`, FLEET);
    expect(!(await page.isDisabled(button)), "down stays disabled with the name typed");
    await page.click(button);
    await page.waitForFunction((sel) => /down: destroyed/.test(document.querySelector(sel)?.textContent ?? ""), `${fleetSel} .msg`, {
      timeout: 30_000,
    });
    const s = (await api("/status")).body.fleets[0];
    expect(s.target === 0, `target after down is ${s.target}`);
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 0, rowsSel, { timeout: 60_000 });
    expect(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  });

  await admin?.context.close();
} catch (e) {
  results.push({ name: "setup", ok: false });
  console.log(`  ✗ setup: ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  stopAll();
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) {
    console.log(`\n--- last lines of the wrangler log (${logPath}) ---`);
    try {
      console.log(readFileSync(logPath, "utf8").split("\n").slice(-30).join("\n"));
    } catch {}
  } else {
    rmSync(persist, { recursive: true, force: true });
  }
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
  exitCode = failed > 0 || results.length === 0 ? 1 : 0;
}
process.exit(exitCode);
