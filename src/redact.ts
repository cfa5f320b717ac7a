import type { Env } from "./env";

/**
 * Secrets must never leave in a response, log line, event or alert. Known secret values are
 * removed wherever they appear, and so are token-shaped strings that are not ours to know (an
 * HF token in a worker's log, a key in a URL) because worker logs echo environments freely.
 */

const SECRET_NAMES = ["VAST_API_KEY", "HF_TOKEN", "API_TOKEN", "API_READ_TOKEN", "SLACK_WEBHOOK_URL"] as const;

const TOKEN_SHAPES: RegExp[] = [
  /\bhf_[A-Za-z0-9]{8,}\b/g,
  /\b(Bearer|token)(\s+|=)[A-Za-z0-9._~+/-]{8,}=*/gi,
  /\b(api_key|apikey|access_token|HF_TOKEN|VAST_API_KEY)(["']?\s*[:=]\s*["']?)[^\s"'&]{6,}/gi,
  /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g,
];

export const REDACTED = "[redacted]";

export function redact(text: string, env: Partial<Pick<Env, (typeof SECRET_NAMES)[number]>>): string {
  let out = text;
  for (const name of SECRET_NAMES) {
    const value = env[name];
    if (value && value.length >= 4) out = out.split(value).join(REDACTED);
  }
  for (const shape of TOKEN_SHAPES) {
    out = out.replace(shape, (match, ...groups: unknown[]) => {
      const [name, sep] = groups;
      return typeof name === "string" && typeof sep === "string" && !match.startsWith("http") ? `${name}${sep}${REDACTED}` : REDACTED;
    });
  }
  return out;
}
