import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The quota benchmark runs the real Worker inside workerd, like the tests, but prints figures
// instead of asserting them: it is `npm run bench`, not `npm test`.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          VAST_API_URL: "http://vast-simulator",
          HF_ENDPOINT: "http://vast-simulator/__sim/hf",
          VAST_API_KEY: "bench-vast-key",
          HF_TOKEN: "hf_benchtoken",
          API_TOKEN: "bench-admin-token",
        },
      },
    }),
  ],
  test: { include: ["bench/quota/quota.workerd.ts"], testTimeout: 600_000 },
});
