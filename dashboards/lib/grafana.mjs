// @ts-check
// Small builders for Grafana dashboard JSON (schemaVersion 39). Dashboards are generated from code so
// layout, datasource wiring and ids are consistent; generate.mjs writes them to dashboards/grafana/.

export const SCHEMA_VERSION = 39;
/** Every panel and query reads from the dashboard's datasource variable. */
export const DATASOURCE = Object.freeze({ type: 'prometheus', uid: '${datasource}' });
const GRID_WIDTH = 24;

/**
 * @typedef {{ expr: string, legend?: string, instant?: boolean, format?: 'time_series' | 'table' }} QueryOptions
 * @typedef {{ refId?: string, expr: string, legendFormat: string, instant: boolean, range: boolean, format: string, editorMode: 'code', datasource: typeof DATASOURCE }} Target
 * @typedef {[color: string, value: number | null]} Step
 * @typedef {{ w?: number, h?: number, description?: string, unit?: string, min?: number, max?: number, decimals?: number,
 *   thresholds?: Step[], mappings?: object[], overrides?: object[], options?: object, custom?: object,
 *   transformations?: object[], links?: object[] }} PanelOptions
 * @typedef {{ type: string, title: string, targets: Target[], options: PanelOptions, extra?: object }} PanelSpec
 * @typedef {{ title: string, panels: PanelSpec[] }} RowSpec
 */

/** A PromQL query; instant queries feed stat, bar gauge and table panels. */
export function query(/** @type {string} */ expr, /** @type {string} */ legend = '', /** @type {{ instant?: boolean, table?: boolean }} */ opts = {}) {
  const instant = opts.instant ?? false;
  return /** @type {Target} */ ({
    datasource: DATASOURCE,
    editorMode: 'code',
    expr,
    legendFormat: legend,
    instant,
    range: !instant,
    format: opts.table ? 'table' : 'time_series',
  });
}

/** Threshold steps from [color, value] pairs; the first value is null (base). */
export function thresholds(/** @type {Step[]} */ steps) {
  return { mode: 'absolute', steps: steps.map(([color, value]) => ({ color, value })) };
}

/** Green below `warn`, orange below `crit`, red above: for utilisation ratios. */
export const HIGH_IS_BAD = /** @type {(warn: number, crit: number) => Step[]} */ (warn, crit) => [['green', null], ['orange', warn], ['red', crit]];
/** Red below `crit`, orange below `warn`, green above: for availability and budgets. */
export const LOW_IS_BAD = /** @type {(crit: number, warn: number) => Step[]} */ (crit, warn) => [['red', null], ['orange', crit], ['green', warn]];

/** @type {(type: string) => (title: string, targets: Target[] | Target, options?: PanelOptions) => PanelSpec} */
const panelOf = (type) => (title, targets, options = {}) => ({ type, title, targets: Array.isArray(targets) ? targets : [targets], options });

export const timeseries = panelOf('timeseries');
export const stat = panelOf('stat');
export const table = panelOf('table');
export const bargauge = panelOf('bargauge');

const DEFAULT_SIZE = /** @type {Record<string, [number, number]>} */ ({ timeseries: [12, 8], stat: [4, 4], table: [24, 8], bargauge: [12, 8] });

function panelJson(/** @type {PanelSpec} */ spec, /** @type {number} */ id, /** @type {{ x: number, y: number, w: number, h: number }} */ gridPos) {
  const o = spec.options;
  /** @type {Record<string, unknown>} */
  const defaults = {
    unit: o.unit ?? 'short',
    thresholds: thresholds(o.thresholds ?? [['green', null]]),
    color: { mode: spec.type === 'timeseries' ? 'palette-classic' : 'thresholds' },
    mappings: o.mappings ?? [],
  };
  if (o.min !== undefined) defaults.min = o.min;
  if (o.max !== undefined) defaults.max = o.max;
  if (o.decimals !== undefined) defaults.decimals = o.decimals;
  if (spec.type === 'timeseries') {
    defaults.custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false, axisSoftMin: o.min, ...o.custom };
  } else if (spec.type === 'table') {
    defaults.custom = { align: 'auto', cellOptions: { type: 'auto' }, filterable: false, ...o.custom };
  }
  const options = {
    timeseries: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    stat: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', justifyMode: 'auto', textMode: 'auto', orientation: 'auto' },
    table: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' } },
    bargauge: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, orientation: 'horizontal', displayMode: 'gradient', showUnfilled: true, valueMode: 'color', namePlacement: 'auto', sizing: 'auto', minVizHeight: 16, minVizWidth: 8, maxVizHeight: 300 },
  }[spec.type];
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: o.description ?? '',
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults, overrides: o.overrides ?? [] },
    options: { ...options, ...o.options },
    targets: spec.targets.map((target, index) => ({ ...target, refId: String.fromCharCode(65 + index) })),
    ...(o.transformations ? { transformations: o.transformations } : {}),
    ...(o.links ? { links: o.links } : {}),
  };
}

/** Datasource variable: every query goes through ${datasource}, so the dashboard imports anywhere. */
function datasourceVariable() {
  return { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, includeAll: false, multi: false, options: [], refresh: 1, regex: '', skipUrlSync: false };
}

/**
 * A query variable listing a label's values.
 * @param {string} name
 * @param {string} label shown name
 * @param {string} definition e.g. label_values(vigil_agent_up, host)
 * @param {{ multi?: boolean }} [opts] multi: several values and "All" (use =~ in queries)
 */
export function labelVariable(name, label, definition, opts = {}) {
  const multi = opts.multi ?? false;
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition,
    query: { query: definition, refId: `${name}-variable` },
    current: {},
    hide: 0,
    includeAll: multi,
    multi,
    // .* rather than .+ so series with an empty label value (e.g. incidents without a service) count under All.
    ...(multi ? { allValue: '.*' } : {}),
    options: [],
    refresh: 2,
    regex: '',
    sort: 1,
    skipUrlSync: false,
  };
}

/**
 * @param {{ uid: string, title: string, description: string, variables?: object[], rows: RowSpec[], time?: string, refresh?: string }} spec
 */
export function dashboard(spec) {
  /** @type {object[]} */
  const panels = [];
  let id = 0;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: ++id, type: 'row', title: row.title, collapsed: false, gridPos: { x: 0, y, w: GRID_WIDTH, h: 1 }, panels: [] });
    y += 1;
    // Left-to-right packing; a panel that does not fit starts a new line below the tallest of the line.
    let x = 0;
    let lineHeight = 0;
    for (const panel of row.panels) {
      const [dw, dh] = DEFAULT_SIZE[panel.type] ?? [12, 8];
      const w = panel.options.w ?? dw;
      const h = panel.options.h ?? dh;
      if (x + w > GRID_WIDTH) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push(panelJson(panel, ++id, { x, y, w, h }));
      x += w;
      lineHeight = Math.max(lineHeight, h);
    }
    y += lineHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['vigil'],
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    timezone: 'browser',
    time: { from: spec.time ?? 'now-6h', to: 'now' },
    refresh: spec.refresh ?? '1m',
    timepicker: {},
    annotations: {
      list: [{ builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' }],
    },
    links: [{ title: 'Vigil dashboards', type: 'dashboards', tags: ['vigil'], asDropdown: true, includeVars: false, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    templating: { list: [datasourceVariable(), ...(spec.variables ?? [])] },
    panels,
  };
}

/** Table transformations: merge several instant queries into one row per label set, then name the value columns. */
export function mergedTable(/** @type {Record<string, string>} */ valueNames, /** @type {string[]} */ hiddenColumns = []) {
  const renameByName = Object.fromEntries(Object.entries(valueNames).map(([refId, name]) => [`Value #${refId}`, name]));
  const excludeByName = Object.fromEntries(['Time', ...hiddenColumns].map((column) => [column, true]));
  return [
    { id: 'merge', options: {} },
    { id: 'organize', options: { excludeByName, renameByName, indexByName: {} } },
  ];
}

/** Field override giving one column (by display name) its own unit, thresholds or cell colouring. */
export function columnOverride(/** @type {string} */ column, /** @type {Record<string, unknown>} */ props) {
  return { matcher: { id: 'byName', options: column }, properties: Object.entries(props).map(([id, value]) => ({ id, value })) };
}
