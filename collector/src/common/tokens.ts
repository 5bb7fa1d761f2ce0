// Injection tokens for the collector's shared infrastructure (provided by CoreModule).
export { CLOCK } from './clock.js';
/** The validated collector configuration (`CollectorConfig`). */
export const CONFIG = Symbol('CollectorConfig');
/** The open `Database` (sqlite3 wrapper). */
export const DATABASE = Symbol('Database');
/** The `SampleStore` implementation. */
export const SAMPLE_STORE = Symbol('SampleStore');
/** The prom-client `Registry` for /metrics (never the global one). */
export const METRICS_REGISTRY = Symbol('MetricsRegistry');
/**
 * `true` in `vigil-collector report`: features compute from what is stored but start no timers and
 * write nothing, so a report next to a running collector leaves its state alone.
 */
export const READ_ONLY = Symbol('ReadOnly');
