/**
 * The Worker's endpoints and API tokens, validated like the ZEB_* settings: a malformed one is
 * named with what is wrong (never its value, which may be a secret), instead of surfacing as
 * "Invalid URL string" from every route and every tick, or as a token nobody can ever send.
 * @module
 */

import { z } from "zod";
import type { Env } from "../env";

/** Unset and empty are the same: `wrangler secret put` with nothing typed leaves an empty string. */
const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);

const Endpoint = z.preprocess(
  unsetIfEmpty,
  z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL, scheme included" }).optional(),
);

/** RFC 6750's b64token: what an `Authorization: Bearer` header can carry; 16 characters at least, so no guessable token opens the API. */
export const MIN_TOKEN_CHARS = 16;
const Token = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .min(MIN_TOKEN_CHARS, `must be at least ${MIN_TOKEN_CHARS} characters (e.g. openssl rand -hex 32)`)
    .regex(/^[A-Za-z0-9\-._~+/]+=*$/, "may hold only A-Z a-z 0-9 - . _ ~ + / and a trailing =, the characters a bearer token can carry")
    .optional(),
);

const PassSettings = z.object({ VAST_API_URL: Endpoint, HF_ENDPOINT: Endpoint });
const Settings = PassSettings.extend({ API_TOKEN: Token, API_READ_TOKEN: Token });

/** The tokens that may authenticate: only ones that passed validation. */
export type Tokens = { admin: string | null; reader: string | null };

export type SettingsResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function describe(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

/** Everything the API depends on; its tokens when all of it is valid. */
export function apiSettings(env: Env): SettingsResult<Tokens> {
  const parsed = Settings.safeParse({
    VAST_API_URL: env.VAST_API_URL,
    HF_ENDPOINT: env.HF_ENDPOINT,
    API_TOKEN: env.API_TOKEN,
    API_READ_TOKEN: env.API_READ_TOKEN,
  });
  if (!parsed.success) return { ok: false, errors: describe(parsed.error) };
  return { ok: true, value: { admin: parsed.data.API_TOKEN ?? null, reader: parsed.data.API_READ_TOKEN ?? null } };
}

/** What a pass depends on (the API tokens do not stop passes): empty when the cron may run them. */
export function passSettingsErrors(env: Env): string[] {
  const parsed = PassSettings.safeParse({ VAST_API_URL: env.VAST_API_URL, HF_ENDPOINT: env.HF_ENDPOINT });
  return parsed.success ? [] : describe(parsed.error);
}
