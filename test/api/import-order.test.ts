import { describe, expect, it } from "vitest";

describe("module import order", () => {
  it("the API's schemas load after the config module was loaded first", async () => {
    await import("../../src/config/fleet");
    const schemas = await import("../../src/api/schemas");
    expect(Object.keys(schemas).length).toBeGreaterThan(0);
  });
});
