/**
 * A hand-drawn SVG line chart with values on hover: pointer or keyboard (focus it, then the arrow
 * keys) shows a guide at the nearest sample and a tooltip with its time and every series' value.
 * A gap of more than one bucket breaks the line rather than drawing a slope through hours nobody
 * measured.
 * @module
 */
import { h, svg } from "./dom";
import { clock } from "./format";

export interface Series {
  name: string;
  /** One value per sample time; null where the series has none. */
  values: (number | null)[];
}

export interface ChartSpec {
  /** The chart's class, for its colours and for tests. */
  key: string;
  title: string;
  /** Sample times (ms), oldest first. */
  at: number[];
  series: Series[];
  fmt: (v: number) => string;
  /** Only charts with several series show a legend. */
  legend?: boolean;
}

export interface Span {
  start: number;
  end: number;
  bucketMs: number;
  /** The window asked for; a younger fleet's charts start at its first sample. */
  windowMs: number;
}

const W = 480;
const H = 140;
const L = 52;
const R = 8;
const T = 8;
const B = 18;

/** Which sample each chart shows (by key), so that a refresh redrawing it keeps the tooltip and focus. */
export type ChartMemory = Map<string, { at: number; focused: boolean }>;

export function chart(spec: ChartSpec, span: Span, memory: ChartMemory): HTMLDivElement {
  const { start, end } = span;
  const max = niceMax(Math.max(0, ...spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const x = (at: number) => L + ((at - start) / Math.max(1, end - start)) * (W - L - R);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const empty = spec.series.every((s) => s.values.every((v) => v === null));
  const grid = [0, 0.5, 1].map((f) => [
    svg("line", { class: "grid", x1: L, x2: W - R, y1: y(max * f), y2: y(max * f) }),
    empty ? null : svg("text", { x: L - 4, y: y(max * f) + 3, "text-anchor": "end", text: spec.fmt(max * f) }),
  ]);
  const ago = (at: number) => {
    const hrs = (end - at) / 3_600_000;
    return `-${hrs >= 48 ? `${Math.round(hrs / 24)}d` : hrs >= 2 ? `${Math.round(hrs)}h` : `${Math.round(hrs * 60)}m`}`;
  };
  const ticks = (
    [
      [start, ago(start), "start"],
      [(start + end) / 2, ago((start + end) / 2), "middle"],
      [end, "now", "end"],
    ] as const
  ).map(([at, text, anchor]) => svg("text", { x: x(at), y: H - 4, "text-anchor": anchor, text }));
  const lines = spec.series.map((s, k) => {
    let d = "";
    spec.at.forEach((at, i) => {
      const v = s.values[i];
      if (v === null || v === undefined) return;
      const prevAt = spec.at[i - 1];
      const prev = s.values[i - 1];
      const join = prevAt !== undefined && prev !== null && prev !== undefined && at - prevAt <= span.bucketMs * 1.5;
      d += `${join ? "L" : "M"}${x(at).toFixed(1)} ${y(v).toFixed(1)}`;
    });
    // A lone sample draws no segment: a dot shows it.
    return d.includes("L") ? svg("path", { class: `line s${k}`, d }) : d ? svg("path", { class: `line dot s${k}`, d: `${d}h0.1` }) : null;
  });
  const guide = svg("line", { class: "guide", y1: T, y2: H - B });
  const dots = spec.series.map((_, k) => svg("circle", { class: `s${k}`, r: 3 }));
  const box = svg("rect", { class: "tip-box", rx: 4 });
  const text = svg("text", { class: "tip-text" });
  const tip = svg("g", { class: "tip", visibility: "hidden" }, guide, dots, box, text);
  const plot = svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", tabindex: 0, "aria-label": `${spec.title}: focus and use the arrow keys for values` },
    grid,
    ticks,
    lines,
    empty ? svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", text: "no samples yet" }) : null,
    svg("rect", { class: "hit", x: L, y: T, width: W - L - R, height: H - T - B }),
    tip,
  );
  const readout = h("p", { class: "readout", "aria-live": "polite" });
  let shown = -1;
  const show = (i: number) => {
    const at = spec.at[i];
    if (at === undefined) return hide();
    shown = i;
    memory.set(spec.key, { at, focused: document.activeElement === plot });
    const gx = x(at);
    guide.setAttribute("x1", String(gx));
    guide.setAttribute("x2", String(gx));
    const rows = [clock(at, span.windowMs > 86_400_000)];
    spec.series.forEach((s, k) => {
      const v = s.values[i];
      const dot = dots[k];
      if (dot) dot.setAttribute("visibility", v === null || v === undefined ? "hidden" : "visible");
      if (v === null || v === undefined) return;
      dot?.setAttribute("cx", String(gx));
      dot?.setAttribute("cy", String(y(v)));
      rows.push(`${s.name} ${spec.fmt(v)}`);
    });
    text.replaceChildren(...rows.map((r, k) => svg("tspan", { x: 0, dy: k ? "1.2em" : 0, text: r })));
    tip.setAttribute("visibility", "visible");
    // Sized after it is shown: the text's box is only known once rendered (its font size is the stylesheet's).
    text.setAttribute("transform", "translate(0 0)");
    const b = text.getBBox();
    const width = b.width + 10;
    const left = gx + 8 + width > W - R ? gx - 8 - width : gx + 8;
    box.setAttribute("x", String(left));
    box.setAttribute("y", String(T));
    box.setAttribute("width", String(width));
    box.setAttribute("height", String(b.height + 6));
    text.setAttribute("transform", `translate(${left + 5 - b.x} ${T + 3 - b.y})`);
    readout.textContent = rows.join(" · ");
  };
  function hide(): void {
    shown = -1;
    memory.delete(spec.key);
    tip.setAttribute("visibility", "hidden");
    readout.textContent = "";
  }
  const nearest = (clientX: number) => {
    const r = plot.getBoundingClientRect();
    return nearestAt(start + (((clientX - r.left) / r.width) * W - L) * ((end - start) / (W - L - R)));
  };
  const nearestAt = (at: number) => {
    let best = 0;
    spec.at.forEach((t, i) => {
      if (Math.abs(t - at) < Math.abs((spec.at[best] ?? 0) - at)) best = i;
    });
    return best;
  };
  plot.addEventListener("pointermove", (ev) => show(nearest(ev.clientX)));
  plot.addEventListener("pointerleave", hide);
  plot.addEventListener("focus", () => show(shown < 0 ? spec.at.length - 1 : shown));
  // A blur because a refresh removed the chart is no leaving: the redrawn chart takes over.
  plot.addEventListener("blur", () => {
    if (plot.isConnected) hide();
  });
  const kept = memory.get(spec.key);
  if (kept) {
    // Once in the page: the tooltip is sized from rendered text.
    requestAnimationFrame(() => {
      if (!plot.isConnected) return;
      shown = nearestAt(kept.at);
      if (kept.focused) plot.focus();
      show(shown);
    });
  }
  plot.addEventListener("keydown", (ev) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -spec.at.length, End: spec.at.length }[ev.key];
    if (step === undefined) return;
    ev.preventDefault();
    show(Math.min(spec.at.length - 1, Math.max(0, (shown < 0 ? spec.at.length - 1 : shown) + step)));
  });
  const last = spec.series.length === 1 ? spec.series[0]?.values.at(-1) : null;
  const since = start > end - span.windowMs ? ` (since ${ago(start).slice(1)} ago)` : "";
  return h(
    "div",
    { class: `chart ${spec.key}`, "data-points": spec.at.length },
    h("p", { class: "title", text: `${spec.title}${last === null || last === undefined ? "" : ` — now ${spec.fmt(last)}`}${since}` }),
    plot,
    spec.legend
      ? h(
          "ul",
          { class: "legend" },
          spec.series.map((s, k) => h("li", { class: `s${k}`, text: s.name })),
        )
      : null,
    readout,
  );
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((k) => k * p >= v * 1.05) ?? 10) * p;
}
