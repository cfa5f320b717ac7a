import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { slackStandIn } from "./test/alerts/standins.ts";

// Slack's webhook host is answered by a local stand-in (test/alerts/standins.ts), so no test posts to Slack.
const slack = slackStandIn();

export default defineConfig({
  // `npm run soak` runs the fault-injection property (test/properties/faults.property.test.ts) this many times.
  define: { __SOAK_RUNS__: JSON.stringify(Number(process.env.SOAK_RUNS ?? 0)) },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Tests never reach the internet: the simulator is in-process and local stand-ins are explicit.
        bindings: {
          VAST_API_URL: "http://vast-simulator",
          VAST_API_KEY: "test-vast-key-SECRET",
          HF_TOKEN: "hf_test_SECRET",
          API_TOKEN: "test-admin-token-SECRET",
          API_READ_TOKEN: "test-read-token-SECRET",
          HF_ENDPOINT: "http://vast-simulator/__sim/hf",
          SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0TEST/B0TEST/slack-hook-SECRET",
        },
        outboundService: (req: Request) => (new URL(req.url).hostname === "hooks.slack.com" ? slack.handle(req) : fetch(req)),
      },
    }),
  ],
  // `npm run bench:quota` reuses this setup to run a benchmark inside workerd: it prints figures and is not a test.
  test: process.env.VASTFLEET_BENCH
    ? { include: ["bench/quota/*.workerd.ts"], testTimeout: 600_000 }
    : {
        include: ["test/**/*.test.ts"],
        // test/node spawns processes, which workerd cannot: `npm run test:node` runs it under Node.
        exclude: ["test/node/**"],
        // One workerd per vitest worker, shared by the files it runs: a runtime per file cost more
        // than the tests. test/fresh-storage.ts empties storage before each file, so none sees another's.
        isolate: false,
        setupFiles: ["test/fresh-storage.ts"],
        // vitest's default on 2 cores is one worker; a second overlaps one file's waits on workerd with another's work.
        maxWorkers: Math.max(2, availableParallelism()),
        // Quiet: a line per failing test with its output, then the totals.
        reporters: ["minimal"],
        // Integration tests drive hours of simulated passes; they take seconds, not milliseconds.
        testTimeout: 60_000,
        // One JSON line per pass (src/fleet/pass-log.ts) would bury the test output; test/fleet/pass-log.test.ts reads them.
        onConsoleLog: (log: string) => !log.startsWith('{"msg":"pass"'),
      },
});
