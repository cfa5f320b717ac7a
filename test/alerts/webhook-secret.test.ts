import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { REDACTED, redact } from "../../src/redact";
import { READ, call, createFleet, resetMarket } from "../api/helpers";
import { advance, register, tick } from "../fleet/harness";

/**
 * A webhook that refuses a message and echoes its own path (as proxies and some Slack errors do)
 * must not put the secret part of SLACK_WEBHOOK_URL into alerts.slackError, which the read token
 * and the dashboard see, nor into events or stored state. Through the real cron and the API, with
 * the Slack stand-in answering for hooks.slack.com (vitest.config.ts).
 */

const HOOK = "https://hooks.slack.com/services/T0TEST/B0TEST/slack-hook-SECRET";
/** Every part of the test webhook that identifies it. */
const PARTS = ["slack-hook-SECRET", "B0TEST", "T0TEST", "services/T0TEST"];

async function answer(fleet: string, body: string): Promise<void> {
  await fetch("https://hooks.slack.com/__standin/answer", {
    method: "POST",
    body: JSON.stringify({ fleet, answers: [{ status: 403, body }] }),
  });
}

describe("the Slack webhook URL never leaks through Slack's own answer", () => {
  for (const [name, echo] of [
    ["wh-path", "invalid_token for /services/T0TEST/B0TEST/slack-hook-SECRET"],
    ["wh-bare", "action_prohibited: T0TEST/B0TEST/slack-hook-SECRET"],
    ["wh-host", "no_team hooks.slack.com/services/T0TEST/B0TEST/slack-hook-SECRET"],
  ] as const) {
    it(`${name}: "${echo.replace(/\/.*/, "/…")}" is stored and shown redacted`, async () => {
      await resetMarket(21);
      await createFleet(name, { workers: 1, maxDph: 0.02, weightsName: "zeb-absent" });
      await register(name);
      await answer(name, echo);
      // The missing weights fire an alert at the first pass; Slack refuses it with the echo.
      for (let i = 0; i < 2; i++) {
        await advance(60);
        await tick();
      }
      const shown = await call(`/status?fleet=${name}`, { token: READ });
      const status = shown.json() as { fleets: { alerts: { slackError: string | null } }[] };
      const slackError = status.fleets[0]?.alerts.slackError ?? "";
      expect(slackError).toMatch(/^Slack webhook refused messages: .*\(HTTP 403\)/);
      expect(slackError).toContain(REDACTED);
      const events = await env.FLEET.getByName(name).events(name, 1000, null);
      const stored = JSON.stringify([shown.text, events, await env.FLEET.getByName(name).status(name)]);
      for (const part of PARTS) expect(stored).not.toContain(part);
    });
  }

  it("every part of the configured URL is redacted wherever it appears, and so is every configured secret however short", () => {
    const text = `${HOOK} | hooks.slack.com/services/T0TEST/B0TEST/slack-hook-SECRET | /services/T0TEST/B0TEST/slack-hook-SECRET | B0TEST/slack-hook-SECRET | slack-hook-SECRET | key k3y`;
    const out = redact(text, { SLACK_WEBHOOK_URL: HOOK, VAST_API_KEY: "k3y" });
    for (const part of [...PARTS, "k3y"]) expect(out).not.toContain(part);
    expect(out).toContain("key [redacted]");
  });
});
