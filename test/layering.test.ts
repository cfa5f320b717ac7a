import { describe, expect, it } from "vitest";

/**
 * Which part of src/ may import which: the functional core never reaches for the shell, the fleet
 * shell never for the API, and the API never for the dashboard (the dashboard depends on the API).
 * The sources are read at build time (Vite's import.meta.glob), since the tests run in workerd.
 */

declare global {
  interface ImportMeta {
    /** Vite's glob import, replaced at build time by the matching files (here: their text). */
    glob<T>(pattern: string, options: { query: "?raw"; import: "default"; eager: true }): Record<string, T>;
  }
}

const SOURCES = import.meta.glob<string>("/src/**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true });

/** Folder (under src/) → the folders its files must not import from. */
const FORBIDDEN: Record<string, string[]> = {
  reconcile: ["fleet", "api", "dashboard"],
  fleet: ["api", "dashboard"],
  api: ["dashboard"],
};

/** Every module specifier a file names: static imports and re-exports, side-effect imports, import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:^|[\s;}])(?:import|export)\s[^;"'`]*?from\s*["']([^"']+)["']/g)) found.push(m[1]!);
  for (const m of source.matchAll(/(?:^|[\s;])import\s*["']([^"']+)["']/g)) found.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]!);
  return found;
}

/** A relative specifier resolved against the importing file, as a path under src/ (`fleet/status`). */
function resolve(file: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const parts = file.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  const path = parts.join("/");
  return path.startsWith("/src/") ? path.slice("/src/".length) : null;
}

describe("layering", () => {
  it("reads the sources", () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
    expect(Object.keys(SOURCES)).toContain("/src/reconcile/pass.ts");
  });

  it("finds imports of every form", () => {
    const source = [
      'import { a } from "../fleet/a";',
      "import type { B } from '../api/b';",
      'export { c } from "./c";',
      'import "../dashboard/d";',
      'const e = await import("../fleet/e");',
      'import {\n  f,\n  g,\n} from "../fleet/f";',
      'type H = import("../api/h").H;',
    ].join("\n");
    expect(specifiers(source).sort()).toEqual(["../api/b", "../api/h", "../dashboard/d", "../fleet/a", "../fleet/e", "../fleet/f", "./c"]);
  });

  it("the core does not import the shell, the fleet shell not the API, the API not the dashboard", () => {
    const offending: string[] = [];
    for (const [file, source] of Object.entries(SOURCES)) {
      const layer = file.split("/")[2] ?? "";
      const forbidden = FORBIDDEN[layer] ?? [];
      for (const spec of specifiers(source)) {
        const target = resolve(file, spec);
        const into = target?.split("/")[0];
        if (into !== undefined && forbidden.includes(into)) offending.push(`${file.slice(1)} imports "${spec}" (src/${into}/)`);
      }
    }
    expect(offending).toEqual([]);
  });
});
