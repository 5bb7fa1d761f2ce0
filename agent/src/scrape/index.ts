// Prometheus/OpenMetrics scraping and the textfile collector: sources of samples next to samplers and probes.
export { parseExposition, formatOfContentType, type ExpositionSample, type ExpositionFormat, type ParsedExposition } from './exposition.js';
export { toSamples, kindOf, isReservedMetricName, SCRAPE_REJECT_REASONS, type ScrapeRules, type ScrapeRejectReason } from './scrape.mapping.js';
export { SCRAPE_METRICS, healthSamples, type ScrapeOutcome } from './scrape.health.js';
export { startScrapes, ScrapeTarget, type ScrapeRunner } from './scrape.runner.js';
export { TextfileSampler, TEXTFILE_METRICS } from './textfile.sampler.js';
export { SCRAPE_LIMITS, TEXTFILE_TARGET, type ScrapeTargetConfig, type TextfileConfig } from '../config/scrape.types.js';
