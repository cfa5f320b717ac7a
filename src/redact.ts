/**
 * Secrets must never leave in a response, log line, event or alert. Known secret values are
 * removed wherever they appear, and so are token-shaped strings that are not ours to know (an
 * HF token in a worker's log, a key in a URL) because worker logs echo environments freely.
 * @module
 */

import type { Env } from "./env";

const SECRET_NAMES = ["VAST_API_KEY", "HF_TOKEN", "API_TOKEN", "API_READ_TOKEN", "SLACK_WEBHOOK_URL"] as const;

const TOKEN_SHAPES: RegExp[] = [
  /\bhf_[A-Za-z0-9]{8,}\b/g,
  /\b(Bearer|token)(\s+|=)[A-Za-z0-9._~+/-]{8,}=*/gi,
  /\b(api_key|apikey|access_token|HF_TOKEN|VAST_API_KEY)(["']?\s*[:=]\s*["']?)[^\s"'&]{6,}/gi,
  /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g,
];

export const REDACTED = "[redacted]";

type Secrets = Partial<Pick<Env, (typeof SECRET_NAMES)[number]>>;

/**
 * A webhook can answer with its own path, and a URL is often quoted without its scheme, so every
 * part that carries the secret goes: the URL, host and path, the path after /services/, and each
 * segment of it (Slack's `T…/B…/<secret>`). Other webhook shapes lose their path and its longer
 * segments (short ones are words like "api", not secrets).
 */
function webhookParts(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const path = `${url.pathname}${url.search}`;
  const services = /^\/services\/(.+)$/.exec(url.pathname)?.[1];
  const segments = (services ?? url.pathname).split("/").filter((p) => p.length >= (services ? 1 : 8));
  return [`${url.host}${path}`, ...(path.length > 1 ? [path] : []), ...(services ? [services] : []), ...segments];
}

/** Every configured secret value, longest first so that a whole URL goes before its parts. */
function secretValues(env: Secrets): string[] {
  const values = SECRET_NAMES.flatMap((name) => {
    const value = env[name];
    // Every configured value, however short: a short secret over-redacts, which is the safe way to fail.
    if (!value) return [];
    return name === "SLACK_WEBHOOK_URL" ? [value, ...webhookParts(value)] : [value];
  });
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

export function redact(text: string, env: Secrets): string {
  let out = text;
  for (const value of secretValues(env)) out = out.split(value).join(REDACTED);
  for (const shape of TOKEN_SHAPES) {
    out = out.replace(shape, (match, ...groups: unknown[]) => {
      const [name, sep] = groups;
      return typeof name === "string" && typeof sep === "string" && !match.startsWith("http") ? `${name}${sep}${REDACTED}` : REDACTED;
    });
  }
  return out;
}
