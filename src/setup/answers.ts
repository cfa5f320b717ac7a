/**
 * What `npm run setup` asks, and what the answers become: the fleet's `ZEB_*` settings (validated
 * as every pass validates them) and the Worker's secrets, with two API tokens generated here.
 * Pure: scripts/setup.ts asks the questions, runs wrangler and waits.
 * @module
 */

import { z } from "zod";
import { configFromVars } from "../config/fleet";

export interface Question {
  /** The flag that answers it (`--hf-repo`), and the environment variable that may instead. */
  flag: string;
  env: string | null;
  ask: string;
  /** Asked without echo, and never printed. */
  secret: boolean;
  /** With `--yes`, a question without a default must be answered by its flag or variable. */
  fallback: string | null;
  /** Empty means "none" (the Slack webhook). */
  optional: boolean;
}

export const QUESTIONS = {
  hfRepo: q("hf-repo", null, "Hugging Face repository of the learner's weights (owner/name)"),
  examplesRepo: q("examples-repo", null, "Hugging Face repository the workers upload examples to (owner/name)"),
  weights: q("weights", null, "weights file name, without .pt (e.g. zeb-557k-1m)"),
  codeRepo: q("code-repo", null, "git repository of the worker code (https://github.com/you/repo.git)"),
  branch: q("branch", null, "its branch", { fallback: "main" }),
  maxPrice: q("max-price", null, "price cap per worker, $/h", { fallback: "0.09" }),
  vastKey: q("vast-key", "VAST_API_KEY", "Vast.ai API key (https://cloud.vast.ai/manage-keys/)", { secret: true }),
  hfToken: q("hf-token", "HF_TOKEN", "Hugging Face token with write access to both repositories", { secret: true }),
  slackWebhook: q("slack-webhook", "SLACK_WEBHOOK_URL", "Slack incoming webhook URL for alerts (empty for none)", {
    secret: true,
    optional: true,
  }),
} satisfies Record<string, Question>;
export type AnswerKey = keyof typeof QUESTIONS;
export type Answers = Record<AnswerKey, string>;

function q(flag: string, env: string | null, ask: string, o: Partial<Pick<Question, "secret" | "fallback" | "optional">> = {}): Question {
  return { flag, env, ask, secret: o.secret ?? false, fallback: o.fallback ?? null, optional: o.optional ?? false };
}

/** The `ZEB_*` settings the answers set in wrangler.toml's [vars]. */
export function varsFor(a: Answers): Record<string, string> {
  return {
    ZEB_REPO_ID: a.hfRepo,
    ZEB_EXAMPLES_REPO_ID: a.examplesRepo,
    ZEB_WEIGHTS_NAME: a.weights,
    ZEB_CODE_REPO: a.codeRepo,
    ZEB_CODE_BRANCH: a.branch,
    ZEB_MAX_DPH: a.maxPrice,
  };
}

export interface Tokens {
  admin: string;
  read: string;
}

/** Every secret in one file for `wrangler deploy --secrets-file`; no Slack key when there is no webhook. */
export function secretsFor(a: Answers, t: Tokens): Record<string, string> {
  return {
    VAST_API_KEY: a.vastKey,
    HF_TOKEN: a.hfToken,
    API_TOKEN: t.admin,
    API_READ_TOKEN: t.read,
    ...(a.slackWebhook ? { SLACK_WEBHOOK_URL: a.slackWebhook } : {}),
  };
}

const Webhook = z.union([z.literal(""), z.url({ protocol: /^https$/, hostname: /^hooks\.slack\.com$/ })]);

/** What is wrong with the answers, by the flag that gives each; empty when they can be deployed. Never quotes a secret. */
export function answerProblems(a: Answers): string[] {
  const problems: string[] = [];
  const vars = configFromVars({ ...varsFor(a), ZEB_WORKERS: "0" });
  if (!vars.ok) problems.push(...vars.errors);
  if (!Webhook.safeParse(a.slackWebhook).success) problems.push("--slack-webhook: a https://hooks.slack.com/services/... URL, or empty");
  if (a.vastKey.length < 16) problems.push("--vast-key (or VAST_API_KEY): the Vast.ai API key, 16 characters or more");
  if (a.hfToken.length < 8) problems.push("--hf-token (or HF_TOKEN): a Hugging Face token");
  return problems;
}

/** A fresh API token: 32 random bytes in hex, within the Worker's bearer-token rule (src/config/settings.ts). */
export function newToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The workers.dev URL `wrangler deploy` prints. */
export function deployedUrl(output: string): string | null {
  return /https:\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)*\.workers\.dev\b/.exec(output)?.[0] ?? null;
}
