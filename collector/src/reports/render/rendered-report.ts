/** The formats every report renders to. */
export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A report rendered in one format: the bytes and their content type. */
export interface RenderedReport {
  contentType: string;
  body: string;
}
