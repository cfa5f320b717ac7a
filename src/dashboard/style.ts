/**
 * The dashboard's stylesheet, served as /assets/app.css (the CSP allows no inline styles and no
 * outside asset). Mobile first: at phone width tables turn into labelled cards.
 * @module
 */

export const APP_CSS = `
:root {
  --bg: #f5f6f8; --fg: #17202a; --muted: #5d6b7a; --card: #fff; --line: #dde2e8; --accent: #2563eb;
  --ok: #15803d; --warn: #b45309; --bad: #b91c1c; --idle: #64748b; --info: #0369a1;
  --chart1: #2563eb; --chart2: #c2410c;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f141a; --fg: #e6ebf0; --muted: #97a3b0; --card: #171e26; --line: #2a3440; --accent: #60a5fa;
    --ok: #4ade80; --warn: #fbbf24; --bad: #f87171; --idle: #94a3b8; --info: #38bdf8; --chart1: #60a5fa; --chart2: #fb923c; }
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
main { padding: .75rem; max-width: 1280px; margin: 0 auto; }
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
.fleet-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; }
.badge { display: inline-block; font-size: .78rem; font-weight: 600; padding: .1rem .5rem; border-radius: 99px; color: #fff; background: var(--idle); }
.badge.ok { background: var(--ok); } .badge.warn { background: var(--warn); } .badge.bad { background: var(--bad); } .badge.info { background: var(--info); }
.phase { display: inline-block; min-width: 5.2rem; text-align: center; font-size: .78rem; font-weight: 700; padding: .1rem .45rem; border-radius: 4px; color: #fff; }
.phase-RUNNING { background: var(--ok); } .phase-BOOT { background: var(--idle); } .phase-SETUP { background: var(--info); }
.phase-WAIT { background: var(--warn); } .phase-STALLED { background: #c2410c; } .phase-FATAL { background: var(--bad); } .phase-DEAD { background: #334155; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
tr.best td { font-weight: 700; }
.ssh { display: flex; gap: .35rem; align-items: center; }
.ssh code { font-size: .8rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 20rem; }
.ssh button, table.workers td > button { padding: .15rem .5rem; min-height: 0; font-size: .8rem; }
table.workers td > button { margin: .1rem .35rem .1rem 0; white-space: nowrap; }
.charts { display: grid; grid-template-columns: 1fr; gap: .75rem; }
.chart { border: 1px solid var(--line); border-radius: 8px; padding: .4rem; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .title { font-size: .85rem; font-weight: 600; margin: 0 0 .2rem; }
.chart text { font-size: 10px; fill: var(--muted); }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .line { fill: none; stroke-width: 2; }
.chart .area { opacity: .12; }
.chart.gps .line { stroke: var(--chart1); } .chart.gps .area { fill: var(--chart1); }
.chart.dph .line { stroke: var(--chart2); } .chart.dph .area { fill: var(--chart2); }
.actions { display: grid; grid-template-columns: 1fr; gap: .5rem; }
.actions form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.actions label { font-size: .85rem; color: var(--muted); }
.actions label:has(input) { display: inline-flex; gap: .3rem; align-items: center; white-space: nowrap; }
.actions input[type=checkbox] { min-height: 0; }
.actions input[name=machineId] { width: 7.5rem; }
.events { list-style: none; margin: 0; padding: 0; font-size: .88rem; }
.events li { padding: .3rem 0; border-bottom: 1px solid var(--line); display: grid; grid-template-columns: 4.5rem 5.5rem 1fr; gap: .5rem; }
.events li.failed .act { color: var(--bad); }
.events .when { color: var(--muted); }
.events .act { font-weight: 600; }
.alerts { margin: .3rem 0; padding-left: 1.2rem; }
.alerts li { color: var(--bad); }
.cols { display: grid; grid-template-columns: 1fr; gap: 0 1.25rem; }
@media (min-width: 900px) {
  .charts { grid-template-columns: 1fr 1fr; }
  .cols { grid-template-columns: 1fr 1fr; }
  .actions { grid-template-columns: repeat(2, auto); justify-content: start; column-gap: 2rem; }
}
/* Phone width: each worker row becomes a small card with its column names. */
@media (max-width: 640px) {
  main { padding: .5rem; }
  .card { padding: .7rem; }
  table.cards thead { display: none; }
  table.cards tr { display: block; border: 1px solid var(--line); border-radius: 8px; margin: 0 0 .5rem; padding: .3rem .5rem; }
  table.cards td { display: flex; justify-content: space-between; gap: 1rem; border: 0; padding: .15rem 0; text-align: right; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-size: .8rem; text-align: left; }
  .ssh code { max-width: 11rem; }
  .events li { grid-template-columns: 3.8rem 1fr; }
  .events li .why { grid-column: 1 / -1; }
}
`;
