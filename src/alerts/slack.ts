/**
 * One Block Kit message per pass per fleet (incoming webhooks allow ~1 message/s), inside Slack's
 * limits: at most 50 blocks, section text at most 3,000 characters, header text at most 150.
 * Every text from outside (titles, details and todos quote worker logs and Vast's messages) is
 * redacted by `clean` and then escaped, so that it can neither mention `<!channel>` nor disguise a
 * link; the mrkdwn this file writes around it (`*bold*`, icons) stays as it is.
 * @module
 */

import { z } from "zod";
import type { FetchLike } from "../vast/http";
import type { Outgoing } from "./machine";

export const MAX_BLOCKS = 50;
export const MAX_SECTION_CHARS = 3000;
const MAX_HEADER_CHARS = 150;
const MAX_TEXT_CHARS = 3000;
/** Slack also refuses very large messages as a whole; many alerts share this budget. */
const SECTIONS_BUDGET = 24_000;
/** A webhook that does not answer within this never holds up a pass for long. */
export const SLACK_TIMEOUT_MS = 5_000;
/** Slack's 429 should carry Retry-After; when it does not, wait about a tick. */
const DEFAULT_RETRY_AFTER_S = 60;

interface TextObject {
  type: "plain_text" | "mrkdwn";
  text: string;
}
export type Block =
  | { type: "header"; text: TextObject }
  | { type: "section"; text: TextObject }
  | { type: "context"; elements: TextObject[] }
  | { type: "divider" };
export interface SlackPayload {
  text: string;
  blocks: Block[];
}

const ICON: Record<Outgoing["type"], string> = {
  firing: ":rotating_light:",
  reminder: ":alarm_clock:",
  resolved: ":white_check_mark:",
  notice: ":information_source:",
};
const VERB: Record<Outgoing["type"], string> = { firing: "", reminder: "Still firing: ", resolved: "Resolved: ", notice: "" };

/** Slack's escaping (api.slack.com/reference/surfaces/formatting#escaping): only these three are control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function line(m: Outgoing): string {
  return `${VERB[m.type]}${m.title}`;
}

function section(m: Outgoing, max: number): Block {
  const parts = [`${ICON[m.type]} *${line(m)}*`];
  if (m.detail) parts.push(m.detail);
  if (m.todo && m.type !== "resolved") parts.push(`*What to do:* ${m.todo}`);
  return { type: "section", text: { type: "mrkdwn", text: cut(parts.join("\n"), max) } };
}

export function render(fleet: string, messages: readonly Outgoing[], clean: (s: string) => string): SlackPayload {
  const safe = (text: string) => escapeSlack(clean(text));
  const ms = messages.map((m) => ({ ...m, title: safe(m.title), detail: safe(m.detail), todo: safe(m.todo) }));
  const count = (t: Outgoing["type"]) => ms.filter((m) => m.type === t).length;
  const tally = (
    [
      ["firing", "new"],
      ["reminder", "still firing"],
      ["resolved", "resolved"],
      ["notice", "notice"],
    ] as const
  )
    .filter(([t]) => count(t) > 0)
    .map(([t, word]) => `${count(t)} ${word}${t === "notice" && count(t) > 1 ? "s" : ""}`)
    .join(", ");
  const headline = ms.length === 1 && ms[0] ? line(ms[0]) : tally;
  // header + context + sections, with the last section slot kept for "…and N more".
  const room = MAX_BLOCKS - 2;
  const shown = ms.length <= room ? ms : ms.slice(0, room - 1);
  const blocks: Block[] = [
    { type: "header", text: { type: "plain_text", text: cut(`vastfleet · ${fleet}: ${headline}`, MAX_HEADER_CHARS) } },
  ];
  const each = Math.min(MAX_SECTION_CHARS, Math.floor(SECTIONS_BUDGET / Math.max(1, shown.length)));
  blocks.push(...shown.map((m) => section(m, each)));
  if (shown.length < ms.length) {
    const rest = ms
      .slice(shown.length)
      .map((m) => `• ${line(m)}`)
      .join("\n");
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: cut(`…and ${ms.length - shown.length} more:\n${rest}`, MAX_SECTION_CHARS) },
    });
  }
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: `fleet \`${fleet}\` · ${new Date(Math.max(...ms.map((m) => m.at))).toISOString()} · GET /status for details`,
      },
    ],
  });
  const text = cut([`vastfleet · ${fleet}: ${headline}`, ...ms.map((m) => `- ${line(m)}`)].join("\n"), MAX_TEXT_CHARS);
  return { text, blocks };
}

export type SendResult =
  | { kind: "sent" }
  | { kind: "retry_after"; seconds: number }
  | { kind: "transient"; error: string }
  | { kind: "permanent"; status: number; error: string };

/** Slack answers errors as a short plain-text code (`no_service`, `invalid_payload`, …). */
const ErrorText = z.string().transform((s) => s.trim().slice(0, 200));

export async function send(fetch: FetchLike, url: string, payload: SlackPayload): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(
      new Request(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(SLACK_TIMEOUT_MS),
      }),
    );
  } catch (e) {
    return { kind: "transient", error: e instanceof Error ? e.name : "network error" };
  }
  const body = ErrorText.parse(await res.text().catch(() => ""));
  if (res.ok) return { kind: "sent" };
  if (res.status === 429) {
    const seconds = Number(res.headers.get("Retry-After"));
    return { kind: "retry_after", seconds: Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_RETRY_AFTER_S };
  }
  const error = body || `http_${res.status}`;
  return res.status >= 400 && res.status < 500
    ? { kind: "permanent", status: res.status, error }
    : { kind: "transient", error: `${res.status} ${error}` };
}
