/**
 * Runs an onstart script the way a host's bash would, as far as the simulator can tell: which
 * lines it prints, where it stops, and whether it reaches the worker. It knows one code
 * repository (the default repo and branch of src/config/fleet.ts) and the worker module in it;
 * anything else fails as git, bash or python would report it. Commands it does not know succeed
 * silently. Timings are fractions of the instance's setup time, one per kind of step.
 * @module
 */

import { DEFAULTS } from "../config/fleet";
import type { FaultKind } from "./types";

/** The module the known repository provides (its traceback names /root/code/forge/zeb/worker/run.py). */
export const KNOWN_MODULE = "forge.zeb.worker.run";
/** `python` in the pytorch images is conda's. */
const PYTHON = "/opt/conda/bin/python";

/** How far setup has got when a kind of step finishes (share of the instance's setup time). */
const STEP_AT = { apt: 0.35, clone: 0.55, pip: 0.85, cuda: 0.97, check: 0.98 } as const;

export interface ScriptLine {
  /** Share of setup time at which it is printed. */
  at: number;
  /** `$(date)` is left in, to be expanded when the line is printed. */
  text: string;
}

export interface OnstartRun {
  lines: ScriptLine[];
  /** The script started the known worker: the worker's own output follows at the end of setup. */
  worker: boolean;
  /** Share of setup time at which the script stopped on a failed step; null if it did not. */
  failedAt: number | null;
}

export interface HostFacts {
  env: ReadonlyMap<string, string>;
  gpuName: string;
  fault: FaultKind | null;
}

interface Result {
  code: number;
  /** stdout */
  out: string[];
  /** stderr */
  err?: string[];
  worker?: boolean;
}

const ok = (out: string[] = []): Result => ({ code: 0, out });
const fail = (code: number, err: string[]): Result => ({ code, out: [], err });

/** What reaches the container log: each stream unless the command sends it to /dev/null. */
function logged(command: string, r: Result): string[] {
  const quiet = (fd: "1" | "2") => new RegExp(`(^|\\s)(${fd === "1" ? "1?" : "2"}|&)>>?\\s*/dev/null`).test(command);
  return [...(quiet("1") ? [] : r.out), ...(quiet("2") ? [] : (r.err ?? []))];
}

/** Splits on `sep` outside quotes; each part keeps its text. */
function splitTop(text: string, seps: readonly string[]): { part: string; sep: string | null }[] {
  const parts: { part: string; sep: string | null }[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    const sep = seps.find((s) => text.startsWith(s, i));
    if (sep) {
      parts.push({ part: text.slice(start, i).trim(), sep });
      i += sep.length - 1;
      start = i + 1;
    }
  }
  parts.push({ part: text.slice(start).trim(), sep: null });
  return parts;
}

/** Words after quote removal and expansion of `$NAME`, `${NAME}` (not inside single quotes); redirections dropped. */
function words(command: string, vars: ReadonlyMap<string, string>): string[] {
  // `$(date)` is left for the printer; an unset variable expands to nothing, as in bash.
  const expand = (s: string) => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*|\?)\}?/g, (_all, name: string) => vars.get(name) ?? "");
  const out: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|(\S+)/g;
  let word: string | null = null;
  let last = 0;
  for (const m of command.matchAll(re)) {
    const glued = word !== null && m.index === last;
    const piece = m[1] ?? (m[2] === undefined ? expand(m[3] ?? "") : expand(m[2].replace(/\\(["\\$`])/g, "$1")));
    if (glued) word += piece;
    else {
      if (word !== null) out.push(word);
      word = piece;
    }
    last = m.index + m[0].length;
  }
  if (word !== null) out.push(word);
  // Redirections: `> f`, `2>/dev/null`, `2>&1`, `>> f`.
  const kept: string[] = [];
  for (let i = 0; i < out.length; i++) {
    const w = out[i] as string;
    if (/^\d*>>?(&\d+)?$/.test(w)) {
      if (!/&\d+$/.test(w)) i++;
      continue;
    }
    if (/^\d*>>?\S+$/.test(w)) continue;
    kept.push(w);
  }
  return kept;
}

export function runOnstart(script: string, host: HostFacts): OnstartRun {
  const lines: ScriptLine[] = [];
  const vars = new Map(host.env);
  let at = 0;
  let errexit = false;
  let trap: string | null = null;
  let gitInstalled = false;
  /** Where the known code was cloned, and whether on the branch that has the worker. */
  let code: { dir: string; worker: boolean } | null = null;
  let cwd = "/root";

  const print = (out: string[]) => lines.push(...out.map((text) => ({ at, text })));
  const step = (kind: keyof typeof STEP_AT) => (at = Math.max(at, STEP_AT[kind]));
  const resolve = (dir: string) => (dir.startsWith("/") ? dir : `${cwd}/${dir}`).replace(/\/+$/, "") || "/";
  const moduleFound = (module: string) => code?.worker && cwd === code.dir && module === KNOWN_MODULE;

  const gitClone = (args: string[], lineNo: number): Result => {
    if (!gitInstalled) return fail(127, [`/root/onstart.sh: line ${lineNo}: git: command not found`]);
    step("clone");
    let branch: string | null = null;
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--branch" || a === "-b") branch = args[++i] ?? null;
      else if (a === "--depth") i++;
      else if (!a.startsWith("-")) rest.push(a);
    }
    const url = (rest[0] ?? "").replace(/\.git\/?$|\/$/, "");
    const dir = rest[1] ?? url.split("/").pop() ?? "";
    const into = `Cloning into '${dir}'...`;
    if (url !== DEFAULTS.codeRepo.replace(/\.git$/, ""))
      return fail(128, [into, "remote: Repository not found.", `fatal: repository '${rest[0] ?? ""}/' not found`]);
    if (branch !== null && branch !== DEFAULTS.codeBranch) {
      return fail(128, [
        into,
        `warning: Could not find remote branch ${branch} to clone.`,
        `fatal: Remote branch ${branch} not found in upstream origin`,
      ]);
    }
    // The default branch clones too, but the worker lives on the configured one.
    code = { dir: resolve(dir), worker: branch !== null };
    return { code: 0, out: [], err: [into] };
  };

  const python = (args: string[]): Result => {
    const c = args.indexOf("-c");
    if (c >= 0) {
      const source = args[c + 1] ?? "";
      if (/torch\.cuda/.test(source)) {
        step("cuda");
        if (host.fault === "no_cuda")
          return fail(1, ["Traceback (most recent call last):", '  File "<string>", line 1, in <module>', "AssertionError: No CUDA"]);
        return ok(/GPU OK/.test(source) ? [`GPU OK: NVIDIA GeForce ${host.gpuName}`] : []);
      }
      const spec = /find_spec\(\s*['"]([\w.]+)['"]\s*\)/.exec(source)?.[1];
      if (spec !== undefined) step("check");
      return { code: spec === undefined || moduleFound(spec) ? 0 : 1, out: [] };
    }
    const m = args.indexOf("-m");
    if (m < 0) return ok();
    const module = args[m + 1] ?? "";
    if (module === "pip") return args[m + 2] === "install" ? (step("pip"), ok()) : ok();
    if (!moduleFound(module)) return fail(1, [`${PYTHON}: No module named ${module}`]);
    return { code: 0, out: [], worker: true };
  };

  const run = (argv: string[], lineNo: number): Result => {
    const [cmd, ...args] = argv;
    switch (cmd) {
      case "false":
        return { code: 1, out: [] };
      case "echo":
        return ok([args.filter((a) => !/^-[neE]+$/.test(a)).join(" ")]);
      case "set":
        for (let i = 0; i < args.length; i++) {
          const a = args[i] as string;
          if (a === "-o" || a === "+o") {
            if (args[++i] === "errexit") errexit = a === "-o";
          } else if (/^-\w*e/.test(a)) errexit = true;
          else if (/^\+\w*e/.test(a)) errexit = false;
        }
        return ok();
      case "cd": {
        const dir = resolve(args[0] ?? "/root");
        const exists = !dir.startsWith("/root/") || (code !== null && (dir === code.dir || dir.startsWith(`${code.dir}/`)));
        if (!exists) return fail(1, [`/root/onstart.sh: line ${lineNo}: cd: ${args[0] ?? ""}: No such file or directory`]);
        cwd = dir;
        return ok();
      }
      case "apt-get":
      case "apt":
        if (args.includes("install")) {
          step("apt");
          if (args.includes("git")) gitInstalled = true;
        }
        return ok();
      case "git":
        return args[0] === "clone" ? gitClone(args.slice(1), lineNo) : ok();
      case "pip":
      case "pip3":
        if (args[0] === "install") step("pip");
        return ok();
      case "python":
      case "python3":
        return python(args);
      case "huggingface-cli":
        // Gone since huggingface_hub 1.0, which `pip install huggingface_hub` now installs.
        return fail(127, [`/root/onstart.sh: line ${lineNo}: huggingface-cli: command not found`]);
      default:
        return ok();
    }
  };

  /** The ERR trap's commands, with `$?`, `$BASH_COMMAND` and `$LINENO` of the failure. */
  const onError = (failed: string, status: number, lineNo: number) => {
    if (trap === null) return;
    const trapVars = new Map(vars).set("?", String(status)).set("BASH_COMMAND", failed).set("LINENO", String(lineNo));
    for (const { part } of splitTop(trap, [";"])) print(logged(part, run(words(part, trapVars), lineNo)));
  };

  const source = script.replace(/\\\n/g, " ").split("\n");
  for (let n = 0; n < source.length; n++) {
    const lineNo = n + 1;
    const text = (source[n] as string).trim();
    if (text === "" || text.startsWith("#")) continue;
    const trapArgs = /^trap\s+(?:'([^']*)'|"((?:\\.|[^"\\])*)")\s+ERR$/.exec(text);
    if (trapArgs) {
      trap = trapArgs[1] ?? (trapArgs[2] ?? "").replace(/\\(["\\$`])/g, "$1");
      continue;
    }
    for (const { part: statement } of splitTop(text, [";"])) {
      if (statement === "") continue;
      const list = splitTop(statement, ["&&", "||"]);
      let runNext = true;
      let status = 0;
      for (let i = 0; i < list.length; i++) {
        const { part, sep } = list[i] as { part: string; sep: string | null };
        if (runNext) {
          const argv = words(part, vars);
          const exec = argv[0] === "exec";
          const r = run(exec ? argv.slice(1) : argv, lineNo);
          status = r.code;
          print(logged(part, r));
          if (r.worker) return { lines, worker: true, failedAt: null };
          // `exec` replaces the shell: no trap runs after it, and the script is over either way.
          if (exec) return { lines, worker: false, failedAt: status === 0 ? null : at };
          // Neither errexit nor the ERR trap reacts to a failure before the end of an && / || list.
          if (status !== 0 && i === list.length - 1) {
            onError(part, status, lineNo);
            if (errexit) return { lines, worker: false, failedAt: at };
          }
        }
        runNext = sep === "&&" ? status === 0 : sep === "||" ? status !== 0 : true;
      }
    }
  }
  return { lines, worker: false, failedAt: null };
}
