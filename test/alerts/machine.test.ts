import { describe, expect, it } from "vitest";
import { advance, type AlertBook, type AlertKind, type Condition, REMINDER_MS } from "../../src/alerts/machine";

const fatal = (instance: number): Condition => ({
  kind: "worker_unhealthy",
  instance,
  title: `worker ${instance} FATAL`,
  detail: "Traceback",
  todo: "look",
});
const ALL = new Set<AlertKind>(["worker_unhealthy", "learner_stalled"]);

function run(passes: { conditions: Condition[]; judged?: Set<AlertKind> }[], start = 0) {
  let book: AlertBook = {};
  const sent: { pass: number; type: string; title: string }[] = [];
  passes.forEach((p, i) => {
    const r = advance(book, { fleet: "zeb", now: start + i * 60_000, conditions: p.conditions, judged: p.judged ?? ALL, notices: [] });
    book = r.book;
    sent.push(...r.outgoing.map((o) => ({ pass: i, type: o.type, title: o.title })));
  });
  return { book, sent };
}

describe("alert state machine", () => {
  it("a condition firing for 10 passes is sent once, and once gone, resolved once", () => {
    const { sent, book } = run([...Array.from({ length: 10 }, () => ({ conditions: [fatal(7)] })), { conditions: [] }, { conditions: [] }]);
    expect(sent).toEqual([
      { pass: 0, type: "firing", title: "worker 7 FATAL" },
      { pass: 10, type: "resolved", title: "worker 7 FATAL" },
    ]);
    expect(book).toEqual({});
  });

  it("fingerprints by kind, fleet and instance", () => {
    const { sent } = run([{ conditions: [fatal(1), fatal(2)] }, { conditions: [fatal(2)] }]);
    expect(sent.map((s) => `${s.pass}:${s.type}:${s.title}`)).toEqual([
      "0:firing:worker 1 FATAL",
      "0:firing:worker 2 FATAL",
      "1:resolved:worker 1 FATAL",
    ]);
  });

  it("reminds after the reminder interval while still firing", () => {
    let book: AlertBook = {};
    const types: string[] = [];
    for (const t of [0, REMINDER_MS - 1, REMINDER_MS, REMINDER_MS + 60_000, 2 * REMINDER_MS]) {
      const r = advance(book, { fleet: "zeb", now: t, conditions: [fatal(3)], judged: ALL, notices: [] });
      book = r.book;
      types.push(...r.outgoing.map((o) => `${t}:${o.type}`));
    }
    expect(types).toEqual(["0:firing", `${REMINDER_MS}:reminder`, `${2 * REMINDER_MS}:reminder`]);
  });

  it("a kind that could not be judged keeps its alerts (cannot see is not resolved)", () => {
    const stall: Condition = { kind: "learner_stalled", instance: null, title: "stalled", detail: "", todo: "" };
    const { sent, book } = run([{ conditions: [stall] }, { conditions: [], judged: new Set(["worker_unhealthy"]) }]);
    expect(sent.map((s) => s.type)).toEqual(["firing"]);
    expect(Object.keys(book)).toEqual(["learner_stalled:zeb:-"]);
  });

  it("notices go out once, with no resolved state", () => {
    const r = advance(
      {},
      {
        fleet: "zeb",
        now: 0,
        conditions: [],
        judged: ALL,
        notices: [{ kind: "replaced", instance: 9, title: "replaced", detail: "", todo: "" }],
      },
    );
    expect(r.outgoing.map((o) => o.type)).toEqual(["notice"]);
    expect(r.book).toEqual({});
  });
});
