import { describe, expect, it } from "vitest";
import { type Answers, answerProblems, deployedUrl, newToken, secretsFor, varsFor } from "../../src/setup/answers";
import { setVars } from "../../src/setup/toml";

/** `npm run setup`'s pure parts: the [vars] edit, the answers' checks, the secrets, the deployed URL. */

const ANSWERS: Answers = {
  hfRepo: "me/learner",
  examplesRepo: "me/learner-examples",
  weights: "w-1m",
  codeRepo: "https://github.com/me/code.git",
  branch: "main",
  maxPrice: "0.09",
  vastKey: "vast-key-0123456789",
  hfToken: "hf_0123456789",
  slackWebhook: "",
};

describe("setVars", () => {
  const toml = [
    'name = "vastfleet"',
    "",
    "# the fleet",
    "[vars]",
    'ZEB_FLEET = "zeb"',
    'ZEB_MAX_DPH = "0.09" # cap',
    "",
    "[[later]]",
    "x = 1",
    "",
  ].join("\n");

  it.each([
    ["replaces a key where it is", { ZEB_MAX_DPH: "0.12" }, toml.replace('ZEB_MAX_DPH = "0.09" # cap', 'ZEB_MAX_DPH = "0.12"')],
    [
      "adds a new key at the end of [vars], before the blank line",
      { ZEB_REPO_ID: "me/x" },
      toml.replace("# cap\n", '# cap\nZEB_REPO_ID = "me/x"\n'),
    ],
    ["quotes as a TOML basic string", { ZEB_CODE_BRANCH: 'a"b\\c' }, toml.replace("# cap\n", '# cap\nZEB_CODE_BRANCH = "a\\"b\\\\c"\n')],
  ])("%s", (_, vars, expected) => {
    expect(setVars(toml, vars)).toBe(expected);
  });

  it("adds [vars] when there is none", () => {
    expect(setVars('name = "x"\n', { A: "1" })).toBe('name = "x"\n\n[vars]\nA = "1"\n');
  });

  it("a key of the same name in another table is not touched", () => {
    expect(setVars('[other]\nZEB_FLEET = "a"\n[vars]\nZEB_FLEET = "b"\n', { ZEB_FLEET: "c" })).toBe(
      '[other]\nZEB_FLEET = "a"\n[vars]\nZEB_FLEET = "c"\n',
    );
  });
});

describe("the answers", () => {
  it("become the ZEB_* settings and the secrets; no Slack secret without a webhook", () => {
    expect(varsFor(ANSWERS)).toEqual({
      ZEB_REPO_ID: "me/learner",
      ZEB_EXAMPLES_REPO_ID: "me/learner-examples",
      ZEB_WEIGHTS_NAME: "w-1m",
      ZEB_CODE_REPO: "https://github.com/me/code.git",
      ZEB_CODE_BRANCH: "main",
      ZEB_MAX_DPH: "0.09",
    });
    expect(Object.keys(secretsFor(ANSWERS, { admin: "a", read: "r" }))).toEqual([
      "VAST_API_KEY",
      "HF_TOKEN",
      "API_TOKEN",
      "API_READ_TOKEN",
    ]);
    const hook = "https://hooks.slack.com/services/T/B/x";
    expect(secretsFor({ ...ANSWERS, slackWebhook: hook }, { admin: "a", read: "r" }).SLACK_WEBHOOK_URL).toBe(hook);
    expect(answerProblems(ANSWERS)).toEqual([]);
  });

  it.each([
    [{ hfRepo: "learner" }, "ZEB_REPO_ID"],
    [{ maxPrice: "-1" }, "ZEB_MAX_DPH"],
    [{ codeRepo: "file:///etc" }, "ZEB_CODE_REPO"],
    [{ branch: "a b" }, "ZEB_CODE_BRANCH"],
    [{ slackWebhook: "http://hooks.slack.com/services/x" }, "--slack-webhook"],
    [{ vastKey: "short" }, "--vast-key"],
  ])("%j is refused, naming %s and no secret", (patch, name) => {
    const problems = answerProblems({ ...ANSWERS, ...patch });
    expect(problems.join("\n")).toContain(name);
    expect(problems.join("\n")).not.toContain(ANSWERS.vastKey);
  });

  it("tokens are 64 hex characters, fresh each time; the deployed URL is read from wrangler's output", () => {
    expect(newToken()).toMatch(/^[0-9a-f]{64}$/);
    expect(newToken()).not.toBe(newToken());
    expect(deployedUrl("Uploaded vastfleet\n  https://vastfleet.me-1.workers.dev\n  schedule: * * * * *")).toBe(
      "https://vastfleet.me-1.workers.dev",
    );
    expect(deployedUrl("Uploaded vastfleet")).toBeNull();
  });
});
