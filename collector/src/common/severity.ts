/** Incident severities, most urgent first: rules assign them, notifiers and the live feed filter on them. */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
