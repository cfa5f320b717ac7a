/**
 * The dashboard's stylesheet, served as /assets/app.css (the CSP allows no inline styles and no
 * outside asset). Mobile first: at phone width tables turn into labelled cards.
 * @module
 */

export const APP_CSS = `
:root {
  --bg: #f5f6f8; --fg: #17202a; --muted: #5d6b7a; --card: #fff; --line: #dde2e8; --accent: #2563eb;
  --ok: #15803d; --warn: #b45309; --bad: #b91c1c; --idle: #64748b; --info: #0369a1;
  --chart1: #2563eb; --chart2: #c2410c; --chart3: #15803d; --chart4: #7c3aed; --chart5: #b45309; --chart6: #0f766e;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f141a; --fg: #e6ebf0; --muted: #97a3b0; --card: #171e26; --line: #2a3440; --accent: #60a5fa;
    --ok: #4ade80; --warn: #fbbf24; --bad: #f87171; --idle: #94a3b8; --info: #38bdf8; --chart1: #60a5fa; --chart2: #fb923c;
    --chart3: #4ade80; --chart4: #a78bfa; --chart5: #fbbf24; --chart6: #2dd4bf; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
[hidden] { display: none !important; }
h1 { font-size: 1.2rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: 1rem 0 .4rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.top { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; padding: .6rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
.top .who { font-size: .8rem; padding: .1rem .5rem; border-radius: 99px; background: var(--line); }
.top .who.admin { background: var(--accent); color: #fff; }
.top #updated { margin-left: auto; font-size: .85rem; }
main { padding: .75rem; max-width: 1440px; margin: 0 auto; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .9rem; margin: 0 0 .9rem; }
.signin { max-width: 26rem; margin: 2rem auto; }
.signin form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.signin label { width: 100%; font-weight: 600; }
.signin input { flex: 1 1 12rem; }
.muted { color: var(--muted); }
.error { color: var(--bad); font-weight: 600; margin: .4rem 0; width: 100%; }
.notice { margin: 0 0 .75rem; padding: .5rem .75rem; border-radius: 8px; background: var(--card); border: 1px solid var(--line); }
.notice.bad, .msg.bad { color: var(--bad); border-color: var(--bad); }
.msg { margin: .5rem 0 0; min-height: 1.2em; font-size: .9rem; }
.msg.good { color: var(--ok); }
input, select, button { font: inherit; padding: .4rem .6rem; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); min-height: 2.3rem; }
input[type=number] { width: 5rem; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; color: var(--accent); padding: 0; min-height: 0; }
button:disabled, input:disabled, select:disabled { opacity: .5; cursor: not-allowed; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr)); gap: .5rem; }
.stat { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .7rem; }
.stat b { display: block; font-size: 1.35rem; font-variant-numeric: tabular-nums; }
.stat span { font-size: .8rem; color: var(--muted); }
.stat.wide { grid-column: span 2; }
.stat.wide b { font-size: 1.15rem; }
td.acts { white-space: nowrap; }
.fleet-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; }
.badge { display: inline-block; font-size: .78rem; font-weight: 600; padding: .1rem .5rem; border-radius: 99px; color: #fff; background: var(--idle); }
.badge.trade { margin-left: .35rem; font-size: .72rem; }
.badge.trade.trial { background: var(--info); } .badge.trade.leaving { background: var(--idle); }
tr[data-trade=leaving] td { opacity: .75; }
.badge.ok { background: var(--ok); } .badge.warn { background: var(--warn); } .badge.bad { background: var(--bad); } .badge.info { background: var(--info); }
.phase { display: inline-block; min-width: 5.2rem; text-align: center; font-size: .78rem; font-weight: 700; padding: .1rem .45rem; border-radius: 4px; color: #fff; }
.phase-RUNNING { background: var(--ok); } .phase-BOOT { background: var(--idle); } .phase-SETUP { background: var(--info); }
.phase-WAIT { background: var(--warn); } .phase-STALLED { background: #c2410c; } .phase-FATAL { background: var(--bad); } .phase-DEAD { background: #334155; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
td .gpu, td code, .badge.trade { white-space: nowrap; }
td .id { white-space: nowrap; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
tr.best td { font-weight: 700; }
.ssh { display: flex; gap: .35rem; align-items: center; }
.ssh code { font-size: .8rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 13rem; }
.ssh button, table.workers td > button { padding: .15rem .5rem; min-height: 0; font-size: .8rem; }
table.workers td > button { margin: .1rem .35rem .1rem 0; white-space: nowrap; }
.charts { display: grid; grid-template-columns: 1fr; gap: .75rem; }
.chart { border: 1px solid var(--line); border-radius: 8px; padding: .4rem; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .title { font-size: .85rem; font-weight: 600; margin: 0 0 .2rem; }
.chart text { font-size: 10px; fill: var(--muted); }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .line { fill: none; stroke-width: 2; }
.chart .line.dot { stroke-width: 5; stroke-linecap: round; }
.chart svg:focus { outline: 2px solid var(--accent); outline-offset: 2px; }
.chart .hit { fill: transparent; pointer-events: all; }
.chart .guide { stroke: var(--muted); stroke-dasharray: 3 3; }
.chart .tip { pointer-events: none; }
.chart .tip-box { fill: var(--card); stroke: var(--line); }
.chart .tip-text { fill: var(--fg); font-size: 10px; }
.chart .readout { margin: .2rem 0 0; min-height: 1.2em; font-size: .8rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.chart .s0 { stroke: var(--chart1); } .chart .s1 { stroke: var(--chart2); } .chart .s2 { stroke: var(--chart3); }
.chart .s3 { stroke: var(--chart4); } .chart .s4 { stroke: var(--chart5); } .chart .s5 { stroke: var(--chart6); }
.chart.dph .s0 { stroke: var(--chart2); } .chart.gpd .s0 { stroke: var(--chart3); }
.chart circle { fill: var(--card); stroke-width: 2; }
.legend { list-style: none; margin: .2rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: .2rem .8rem; font-size: .78rem; }
.legend li::before { content: ""; display: inline-block; width: .8rem; height: .2rem; margin-right: .3rem; vertical-align: middle; background: currentColor; }
.legend .s0 { color: var(--chart1); } .legend .s1 { color: var(--chart2); } .legend .s2 { color: var(--chart3); }
.legend .s3 { color: var(--chart4); } .legend .s4 { color: var(--chart5); } .legend .s5 { color: var(--chart6); }
.section-head { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
.section-head h3 { margin-right: auto; }
.switch { display: inline-flex; gap: .25rem; }
.switch button { padding: .1rem .6rem; min-height: 0; font-size: .85rem; }
.switch button[aria-pressed=true] { background: var(--accent); color: #fff; }
.panels { display: grid; grid-template-columns: 1fr; gap: .5rem; margin-top: .5rem; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .7rem; }
.panel:empty { display: none; }
.panel h4 { margin: 0 0 .3rem; font-size: .85rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.panel dl { display: grid; grid-template-columns: auto 1fr; gap: .15rem .8rem; margin: 0; font-size: .9rem; }
.panel dt { color: var(--muted); }
.panel dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
.panel table { font-size: .88rem; }
.panel .alerts { margin: .3rem 0 0; font-size: .85rem; }
.logs { border: 1px solid var(--line); border-radius: 8px; padding: .4rem .6rem; margin: .6rem 0 0; }
.logs .section-head button { padding: .1rem .6rem; min-height: 0; font-size: .85rem; }
.logs .log { margin: .3rem 0 0; max-height: 22rem; overflow: auto; font-size: .78rem; line-height: 1.35; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); padding: .4rem; border-radius: 6px; }
p.more { margin: .3rem 0 0; }
.actions { display: grid; grid-template-columns: 1fr; gap: .5rem; }
.actions form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.actions label { font-size: .85rem; color: var(--muted); }
.actions label:has(input) { display: inline-flex; gap: .3rem; align-items: center; white-space: nowrap; }
.actions input[type=checkbox] { min-height: 0; }
.actions input[name=machineId] { width: 7.5rem; }
.events { list-style: none; margin: 0; padding: 0; font-size: .88rem; }
.events li { padding: .25rem 0; border-bottom: 1px solid var(--line); display: grid; grid-template-columns: 6rem 6rem 1fr; gap: .5rem; }
.events li.failed .act { color: var(--bad); }
.events .when { color: var(--muted); }
.events .act { font-weight: 600; }
.alerts { margin: .3rem 0; padding-left: 1.2rem; }
.alerts li { color: var(--bad); }
.cols { display: grid; grid-template-columns: 1fr; gap: 0 1.25rem; }
@media (min-width: 900px) {
  .charts { grid-template-columns: 1fr 1fr; }
  .panels { grid-template-columns: repeat(3, 1fr); }
  .cols { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); }
  .actions { grid-template-columns: repeat(2, auto); justify-content: start; column-gap: 2rem; }
}
/* Phone width: each worker row becomes a small card with its column names. */
@media (max-width: 640px) {
  main { padding: .5rem; }
  .card { padding: .7rem; }
  table.cards, table.cards tbody { display: block; }
  table.cards thead { display: none; }
  table.cards tr { display: block; border: 1px solid var(--line); border-radius: 8px; margin: 0 0 .5rem; padding: .3rem .5rem; }
  table.cards td { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .2rem 1rem; border: 0; padding: .15rem 0; text-align: right; }
  table.cards td.acts { justify-content: flex-end; gap: .3rem; }
  table.cards td.acts::before { margin-right: auto; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-size: .8rem; text-align: left; }
  .ssh code { max-width: 11rem; }
  .events li { grid-template-columns: 3.8rem 1fr; }
  .chart text, .chart .tip-text { font-size: 14px; }
  .events li .why { grid-column: 1 / -1; }
}
`;
