// Report rendering helpers shared by the SLA and capacity reports.
export { escapeHtml, html, Html, htmlPage, htmlTable } from './html.js';
export { csvField, parseCsv, toCsv, type CsvCell } from './csv.js';
export { decimalsOf, niceTicks, svgChart, type ChartOptions, type ChartSeries, type ChartThreshold } from './svg-chart.js';
export { formatAchieved, formatIso, formatIsoLocal, formatLocal, formatLocalRange, formatLocalShort, formatMinutes, formatObjective, formatPercent, formatShare } from './format.js';
export { REPORT_FORMATS, type RenderedReport, type ReportFormat } from './rendered-report.js';
