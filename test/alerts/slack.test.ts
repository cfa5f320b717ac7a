import { describe, expect, it } from "vitest";
import type { Outgoing } from "../../src/alerts/machine";
import { MAX_BLOCKS, render, send } from "../../src/alerts/slack";
import { slackStandIn, violations } from "./standins";

const URL_ = "https://hooks.slack.com/services/T1/B1/unit-SECRET";
const msg = (i: number, detail = "d"): Outgoing => ({
  type: "firing",
  kind: "worker_unhealthy",
  instance: i,
  title: `worker ${i}`,
  detail,
  todo: "do it",
  at: 0,
});

describe("Slack payloads", () => {
  it("stay inside Slack's limits however many and however long the alerts are", () => {
    const payload = render(
      "zeb",
      Array.from({ length: 120 }, (_, i) => msg(i, "x".repeat(5000))),
      (s) => s,
    );
    expect(violations(payload)).toEqual([]);
    expect(payload.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(JSON.stringify(payload)).toContain("…and 73 more");
    expect(JSON.stringify(payload).length).toBeLessThan(40_000);
  });

  it("pass every text through the cleaner", () => {
    const payload = render("zeb", [msg(1, "token hf_abcdefghijkl")], (s) => s.replaceAll("hf_abcdefghijkl", "[redacted]"));
    expect(JSON.stringify(payload)).not.toContain("hf_abcdefghijkl");
  });
});

describe("Slack delivery outcomes", () => {
  const payload = render("zeb", [msg(1)], (s) => s);

  it("200 ok is sent", async () => {
    const slack = slackStandIn();
    expect(await send(slack.handle, URL_, payload)).toEqual({ kind: "sent" });
    expect(slack.received).toHaveLength(1);
  });

  it("429 asks to wait for Retry-After", async () => {
    const slack = slackStandIn();
    slack.script("zeb", { status: 429, body: "rate_limited", retryAfter: 30 });
    expect(await send(slack.handle, URL_, payload)).toEqual({ kind: "retry_after", seconds: 30 });
  });

  it("404 no_service and 410 channel_is_archived are permanent; 500 and network errors are transient", async () => {
    const slack = slackStandIn();
    slack.script(
      "zeb",
      { status: 404, body: "no_service" },
      { status: 410, body: "channel_is_archived" },
      { status: 500, body: "rollup_error" },
    );
    expect(await send(slack.handle, URL_, payload)).toEqual({ kind: "permanent", status: 404, error: "no_service" });
    expect(await send(slack.handle, URL_, payload)).toEqual({ kind: "permanent", status: 410, error: "channel_is_archived" });
    expect((await send(slack.handle, URL_, payload)).kind).toBe("transient");
    expect((await send(() => Promise.reject(new TypeError("connection reset")), URL_, payload)).kind).toBe("transient");
  });
});
