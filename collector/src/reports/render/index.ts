// Report rendering helpers shared by the SLA and capacity reports.
export { escapeHtml, html, Html, htmlPage, htmlTable } from './html.js';
export { csvField, parseCsv, toCsv, type CsvCell } from './csv.js';
export { svgChart, type ChartOptions, type ChartSeries, type ChartThreshold } from './svg-chart.js';
export { formatIso, formatMinutes, formatPercent } from './format.js';
export { REPORT_FORMATS, type RenderedReport, type ReportFormat } from './rendered-report.js';
