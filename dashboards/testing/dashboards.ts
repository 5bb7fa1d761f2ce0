// Reading the committed Grafana dashboards, for the static spec and the e2e proof.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Target {
  refId: string;
  expr: string;
  instant?: boolean;
  range?: boolean;
  datasource?: unknown;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: unknown;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  datasource?: unknown;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  templating: { list: Variable[] };
  panels: Panel[];
}

export const GRAFANA_DIR = fileURLToPath(new URL('../grafana/', import.meta.url));

/** Grafana's global variables a query may use without declaring them. */
export const GRAFANA_BUILTIN_VARIABLES = new Set([
  '__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__from', '__to', '__dashboard', '__org', '__user',
]);

export function dashboardFiles(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(GRAFANA_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(GRAFANA_DIR, file), 'utf8')) as Dashboard }));
}

/** All panels, including those nested in collapsed rows. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export function targetsOf(panel: Panel): Target[] {
  return panel.targets ?? [];
}
