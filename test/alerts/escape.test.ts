import { describe, expect, it } from "vitest";
import type { Outgoing } from "../../src/alerts/machine";
import { escapeSlack, render } from "../../src/alerts/slack";
import { createFleet, resetMarket, sim } from "../api/helpers";
import { advance, register, tick } from "../fleet/harness";
import type { Received } from "./standins";
import { DEFAULTS } from "../../src/config/fleet";
import { createBody } from "../../src/reconcile/launch";

/**
 * Slack reads `&`, `<` and `>` as control characters in every text object
 * (api.slack.com/reference/surfaces/formatting#escaping): unescaped, a worker's log line or Vast's
 * status message could post `<!channel>` or a link that reads as something else, and our own
 * `GET /instances/<id>/logs` lost its `<id>`. Only our own mrkdwn (`*bold*`, icons, code) stays.
 */

const HOSTILE = "RuntimeError: <!channel> see <https://evil.example|the logs> & retry";
const alert = (over: Partial<Outgoing>): Outgoing => ({
  type: "firing",
  kind: "worker_unhealthy",
  instance: 1,
  title: "t",
  detail: "d",
  todo: "x",
  at: 0,
  ...over,
});

/** Every string in a payload, wherever Slack would render it. */
function texts(payload: unknown): string[] {
  if (typeof payload === "string") return [payload];
  if (Array.isArray(payload)) return payload.flatMap(texts);
  if (typeof payload === "object" && payload !== null) return Object.values(payload).flatMap(texts);
  return [];
}

describe("Slack escaping", () => {
  it("escapes &, < and > and nothing else", () => {
    expect(escapeSlack("a & b < c > d *bold* `code` _it_")).toBe("a &amp; b &lt; c &gt; d *bold* `code` _it_");
  });

  it("escapes untrusted titles, details and todos in every block and the fallback text; our own mrkdwn stays", () => {
    for (const messages of [
      [alert({ title: HOSTILE, detail: HOSTILE, todo: HOSTILE })],
      [alert({ title: HOSTILE }), alert({ detail: HOSTILE, todo: HOSTILE })],
    ]) {
      const payload = render("zeb", messages, (s) => s);
      for (const t of texts(payload)) {
        expect(t).not.toMatch(/[<>]/);
        expect(t).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }
      const all = texts(payload).join("\n");
      expect(all).toContain("&lt;!channel&gt; see &lt;https://evil.example|the logs&gt; &amp; retry");
      expect(all).toContain(":rotating_light: *");
      expect(all).toContain("*What to do:* ");
    }
  });

  it("escapes what the real cron posts: HF refusing uploads on a worker, through the scheduled handler and the Slack stand-in", async () => {
    await resetMarket(11);
    const name = "esc";
    await createFleet(name, { workers: 0, paused: true });
    await register(name);
    // A worker of the fleet started by hand whose uploads HF refuses: the fleet watches it and alerts.
    await sim("/__sim/control", { forceFault: { next: "hf_auth" } });
    const { offers } = (await sim("/api/v0/bundles/", { rentable: { eq: true }, order: [["dph_total", "asc"]] })) as {
      offers: { id: number }[];
    };
    const offer = offers[0];
    if (!offer) throw new Error("the simulated market has no offers");
    // The fleet's own create body: the simulator runs its onstart as a host would.
    await sim(`/api/v0/asks/${offer.id}/`, createBody(DEFAULTS, `${name}-worker-vast-0`, 0, "hf_test_SECRET"), "PUT");
    for (let i = 0; i < 30; i++) {
      await advance(60);
      await tick();
    }
    const received = (await (await fetch(`https://hooks.slack.com/__standin/received?fleet=${name}`)).json()) as Received[];
    const all = received.flatMap((r) => texts(r.payload)).join("\n");
    // The examples alert's todo names the logs route with a placeholder Slack would have parsed.
    expect(all).toContain("GET /instances/&lt;id&gt;/logs");
    expect(all).not.toMatch(/[<>]/);
  });
});
