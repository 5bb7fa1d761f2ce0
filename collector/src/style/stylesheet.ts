// The one stylesheet of Vigil's HTML. The base part styles the self-contained SLA and capacity
// reports (inlined there) and the console; the console part adds layout, navigation and widgets.
// console/build.mjs writes both into the console's CSS file. A leaf module: nothing to import, no cycle.

/** Colours, type, tables and status words: what a report and a console page have in common. */
export const BASE_STYLESHEET = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #5b6470; --line: #d8dde3; --bg: #fff; --panel: #f6f8fa; --ok: #1a7f37; --bad: #c62828; --warn: #9a6700; --info: #0550ae; --none: #6e7781; --accent: #0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.meta { color: var(--muted); margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; } .warn { color: var(--warn); } .muted { color: var(--muted); }
svg { max-width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
`;

/** Layout and widgets of the console and the status page. */
export const CONSOLE_STYLESHEET = `
body { margin: 0; max-width: none; padding: 0; }
a { color: var(--accent); } a:hover { text-decoration: none; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; z-index: 10; } .skip:focus { left: .5rem; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1rem; padding: .5rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; margin-right: .5rem; }
nav.main { display: flex; flex-wrap: wrap; gap: .15rem; flex: 1; }
nav.main a { padding: .35rem .6rem; border-radius: 6px; color: var(--fg); text-decoration: none; }
nav.main a[aria-current="page"] { background: var(--bg); box-shadow: inset 0 -2px 0 var(--accent); font-weight: 600; }
.session { display: flex; gap: .5rem; align-items: center; font-size: .9rem; }
main { padding: 1rem; max-width: 1280px; margin: 0 auto; }
h1 { margin-top: .25rem; overflow-wrap: anywhere; } dd { overflow-wrap: anywhere; }
.live { font-size: .85rem; color: var(--muted); } .live.on::before { content: "● "; color: var(--ok); } .live.off::before { content: "○ "; color: var(--bad); }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; background: var(--bg); }
.card h2 { margin: 0 0 .5rem; border: 0; font-size: 1rem; }
.figure { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.badge { display: inline-flex; align-items: center; gap: .3em; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.s-up { color: var(--ok); } .s-degraded { color: var(--warn); } .s-down { color: var(--bad); } .s-no_data { color: var(--none); } .s-maintenance { color: var(--info); }
.sev-critical, .sev-error { color: var(--bad); } .sev-warning { color: var(--warn); } .sev-info { color: var(--info); }
.rows { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.row { display: grid; align-items: center; gap: .5rem; padding: 0 .75rem; border-bottom: 1px solid var(--line); min-height: 44px; }
.row.head { background: var(--panel); font-weight: 600; min-height: 36px; position: sticky; top: 0; z-index: 1; }
.row > * { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row .num { text-align: right; font-variant-numeric: tabular-nums; }
.svc-row { grid-template-columns: minmax(8rem, 2fr) 8.5rem minmax(5rem, 1.7fr) repeat(2, minmax(5rem, 1fr)) minmax(6rem, 1.2fr); }
.host-row { grid-template-columns: minmax(8rem, 2fr) 7rem minmax(8rem, 1.3fr) 5rem minmax(6rem, 2fr); }
.cap-row { grid-template-columns: minmax(7rem, 1.3fr) minmax(7rem, 1.5fr) 6rem 6rem 7rem minmax(7rem, 1fr); }
.toolbar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: .5rem 0 1rem; }
label { display: inline-flex; flex-direction: column; gap: .15rem; font-size: .85rem; color: var(--muted); }
input, select, textarea, button { font: inherit; color: var(--fg); }
input, select, textarea { padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); min-height: 36px; }
textarea { min-height: 5rem; width: 100%; }
button { padding: .4rem .9rem; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); cursor: pointer; min-height: 36px; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button:disabled { opacity: .6; cursor: default; }
form.stack { display: grid; gap: .75rem; max-width: 36rem; } form.stack label { color: var(--fg); }
.error { color: var(--bad); border: 1px solid var(--bad); border-radius: 6px; padding: .5rem .75rem; background: #fff5f5; }
.notice { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; background: var(--panel); }
.bars { display: flex; gap: 2px; align-items: flex-end; height: 34px; margin: .25rem 0; outline-offset: 4px; }
.bars .bar { flex: 1; min-width: 2px; height: 100%; border-radius: 2px; background: var(--ok); }
.bars .bar.partial { background: repeating-linear-gradient(135deg, var(--warn) 0 3px, #e7c66a 3px 5px); }
.bars .bar.below { background: repeating-linear-gradient(45deg, var(--bad) 0 2px, #ef9a9a 2px 4px); }
.bars .bar.nodata { background: var(--line); height: 40%; }
.bars .bar.selected { box-shadow: 0 0 0 2px var(--fg); }
.bars-legend { display: flex; justify-content: space-between; font-size: .8rem; color: var(--muted); }
.day-label { font-size: .85rem; min-height: 1.3em; }
.chart { width: 100%; min-height: 220px; margin: .5rem 0 1rem; }
.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
.timeline li { padding: .35rem 0 .35rem 1rem; position: relative; }
.timeline li::before { content: ""; position: absolute; left: -6px; top: .8rem; width: 10px; height: 10px; border-radius: 50%; background: var(--line); }
.timeline li.t-failed::before { background: var(--bad); } .timeline li.t-ok::before { background: var(--ok); }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .75rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; } dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.table-wrap { overflow-x: auto; }
.status-page main { max-width: 860px; }
.status-page .svc { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .75rem 0; }
.status-page .svc-head { display: flex; justify-content: space-between; gap: .5rem; flex-wrap: wrap; align-items: baseline; }
.banner { padding: .75rem 1rem; border-radius: 8px; font-weight: 600; margin: 1rem 0; border: 1px solid currentColor; }
.uplot { font-family: inherit; } .u-legend { font-size: .8rem; }
@media (max-width: 700px) {
  main { padding: .75rem; }
  header.top { display: grid; grid-template-columns: 1fr auto; padding: .5rem .75rem; }
  nav.main { grid-column: 1 / -1; grid-row: 2; flex-wrap: nowrap; overflow-x: auto; padding-bottom: .25rem; }
  nav.main a { white-space: nowrap; }
  .svc-row { grid-template-columns: minmax(6rem, 1fr) 7.5rem 4.5rem; }
  .svc-row > .wide { display: none; }
  .host-row { grid-template-columns: minmax(6rem, 1fr) 6.5rem 5.5rem; }
  .host-row > .wide { display: none; }
  .cap-row { grid-template-columns: minmax(5rem, 1fr) minmax(5rem, 1fr) 4.5rem; }
  .cap-row > .wide { display: none; }
  .bars { gap: 1px; }
}
`;
