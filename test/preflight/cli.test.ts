import { describe, expect, it } from "vitest";
import { formatPreflight, parseCli, preflightRequest, readAnswer } from "../../src/preflight/cli";
import { ADMIN, call, resetMarket } from "../api/helpers";

/** `npm run preflight`'s arguments, request and report, against the real route through the Worker. */

describe("parseCli", () => {
  it("takes --url, the token from --token or VASTFLEET_TOKEN, --fleet, --n and --slack", () => {
    expect(
      parseCli(["--url", "https://vastfleet.me.workers.dev", "--n", "4", "--fleet=zeb-large", "--slack"], "from-env-0123456789"),
    ).toEqual({
      ok: true,
      value: { url: "https://vastfleet.me.workers.dev", token: "from-env-0123456789", fleet: "zeb-large", n: "4", slack: true },
    });
    const flag = parseCli(["--url=http://localhost:8787", "--token", "from-flag-0123456789"], "from-env-0123456789");
    expect(flag.ok && flag.value.token).toBe("from-flag-0123456789");
  });

  it.each([
    [["--token", "t"], undefined, "--url"],
    [["--url", "ftp://x"], "t", "--url: the Worker's http(s) URL"],
    [["--url", "http://localhost:8787"], undefined, "--token or VASTFLEET_TOKEN"],
    [["--url", "http://localhost:8787"], "", "--token or VASTFLEET_TOKEN"],
    [["--url", "http://localhost:8787", "--n", "four"], "t", "--n: the target"],
    [["--url", "http://localhost:8787", "--n"], "t", "--n needs a value"],
    [["--url", "http://localhost:8787", "--dry"], "t", "unknown argument --dry"],
  ])("%j (token %j): %s", (args, token, message) => {
    const got = parseCli(args, token);
    expect(got.ok).toBe(false);
    if (!got.ok) {
      expect(got.error).toContain(message);
      expect(got.error).toContain("usage: npm run preflight");
    }
  });
});

describe("the script's request, answer and report against GET /preflight", () => {
  it("sends the token only in the header, and prints every check and the rentals with their cost", async () => {
    await resetMarket();
    const parsed = parseCli(["--url", "http://vastfleet.test", "--n", "2"], ADMIN);
    if (!parsed.ok) throw new Error(parsed.error);
    const req = preflightRequest(parsed.value);
    expect(req.url).toBe("http://vastfleet.test/preflight?n=2");
    expect(req.headers.authorization).toBe(`Bearer ${ADMIN}`);
    const res = await call(new URL(req.url).pathname + new URL(req.url).search);
    const answer = readAnswer(res.status, res.text);
    if (!answer.ok) throw new Error(answer.error);
    const text = formatPreflight(answer.value);
    expect(text).toMatch(/^Preflight of fleet zeb at target 2: ready\n\n/);
    for (const name of [
      "config",
      "hfCommitBudget",
      "vastKey",
      "credit",
      "offers",
      "hfToken",
      "hfWeightsRepo",
      "hfExamplesRepo",
      "weights",
      "slack",
    ])
      expect(text).toMatch(new RegExp(`^ok   ${name} +\\S`, "m"));
    expect(text).toMatch(
      /^First pass would rent:\n {2}slot 0 {2}RTX \d{4}.*\$0\.\d{3}\/h {2}~\d+K games\/\$ {2}\(machine \d+\)\n {2}slot 1 .*\n {2}total \$0\.\d{3}\/h, \$\d+\.\d{2}\/day$/m,
    );
  });

  it("an API error or a body that is not a preflight is no answer (exit 2), with the API's message", async () => {
    const forbidden = await call("/preflight?fleet=nope");
    expect(readAnswer(forbidden.status, forbidden.text)).toEqual({
      ok: false,
      error: "HTTP 404 unknown_fleet: fleet: no fleet named nope; create it with PUT /fleets/nope",
    });
    expect(readAnswer(200, '{"ok": true}')).toMatchObject({ ok: false, error: expect.stringContaining("not a preflight answer") });
    expect(readAnswer(502, "<html>bad gateway</html>")).toMatchObject({ ok: false, error: expect.stringContaining("HTTP 502: not JSON") });
  });

  it("a failing check prints FAIL with its fix", () => {
    const text = formatPreflight({
      fleet: "zeb",
      target: 2,
      ok: false,
      checks: [{ name: "credit", ok: false, detail: "credit $0.00 on Vast", fix: "add credit at https://cloud.vast.ai/billing/" }],
      firstPass: null,
    });
    expect(text).toBe(
      [
        "Preflight of fleet zeb at target 2: 1 check(s) failed",
        "",
        "FAIL credit          credit $0.00 on Vast",
        "                     fix: add credit at https://cloud.vast.ai/billing/",
        "",
        "First pass: unknown (the market could not be searched)",
      ].join("\n"),
    );
  });
});
