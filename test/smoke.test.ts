import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configFromVars, slotOf } from "../src/config/fleet";

describe("toolchain", () => {
  it("runs inside workerd with the Worker's bindings", async () => {
    const res = await exports.default.fetch("http://x/healthz");
    expect(res.status).toBe(200);
    expect(env.VAST_API_URL).toBe("http://vast-simulator");
    expect(slotOf("zeb", "zeb-large-worker-vast-0")).toBeNull();
    expect(configFromVars({ ZEB_WORKERS: "2" })).toMatchObject({ ok: true });
  });
});
