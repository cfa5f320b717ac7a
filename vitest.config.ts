import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
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
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests drive hours of simulated passes; they take seconds, not milliseconds.
    testTimeout: 60_000,
  },
});
