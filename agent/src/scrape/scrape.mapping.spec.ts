import { describe, expect, it } from 'vitest';
import { ReasonCounter, type Sample } from '../pipeline/types.js';
import { parseExposition } from './exposition.js';
import { SCRAPE_REJECT_REASONS, toSamples, type ScrapeRules } from './scrape.mapping.js';

const T = 1_764_000_000_000;

function map(text: string, rules: Partial<ScrapeRules> = {}, format: 'prometheus' | 'openmetrics' = 'prometheus') {
  const parsed = parseExposition(text, format);
  if (parsed.status !== 'ok') throw new Error(parsed.error);
  const rejected = new ReasonCounter(SCRAPE_REJECT_REASONS);
  const samples = toSamples(parsed.samples, { target: 'app', labels: {}, maxSeries: 100, ...rules }, T, rejected);
  return { samples, rejected: Object.fromEntries(rejected.entries()) };
}

const line = (s: Sample) => `${s.kind} ${s.metric}${JSON.stringify(s.labels)} ${s.value} @${s.timestampMs}`;
const none = { reserved_name: 0, invalid_series: 0, non_finite_value: 0, duplicate_series: 0, max_series: 0 };

describe('toSamples', () => {
  it('keeps names and labels, adds scrape_target and configured labels, maps kinds, stamps the scrape time', () => {
    const text = `# TYPE app_queue_depth gauge
app_queue_depth{job="billing"} 42 1000
# TYPE app_requests counter
app_requests_total{code="200"} 7
app_requests_created{code="200"} 1700000000
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le="0.10"} 1
app_latency_seconds_bucket{le="+Inf"} 3
app_latency_seconds_sum 0.9
app_latency_seconds_count 3
# TYPE app_gc_seconds summary
app_gc_seconds{quantile="0.50"} 0.2
app_gc_seconds_sum 1
app_gc_seconds_count 5
untyped_thing 1
# EOF
`;
    const { samples, rejected } = map(text, { labels: { team: 'pay' } }, 'openmetrics');
    expect(samples.map(line)).toEqual([
      `gauge app_queue_depth{"job":"billing","team":"pay","scrape_target":"app"} 42 @${T}`,
      `counter app_requests_total{"code":"200","team":"pay","scrape_target":"app"} 7 @${T}`,
      `counter app_latency_seconds_bucket{"le":"0.1","team":"pay","scrape_target":"app"} 1 @${T}`,
      `counter app_latency_seconds_bucket{"le":"+Inf","team":"pay","scrape_target":"app"} 3 @${T}`,
      `counter app_latency_seconds_sum{"team":"pay","scrape_target":"app"} 0.9 @${T}`,
      `counter app_latency_seconds_count{"team":"pay","scrape_target":"app"} 3 @${T}`,
      `gauge app_gc_seconds{"quantile":"0.5","team":"pay","scrape_target":"app"} 0.2 @${T}`,
      `counter app_gc_seconds_sum{"team":"pay","scrape_target":"app"} 1 @${T}`,
      `counter app_gc_seconds_count{"team":"pay","scrape_target":"app"} 5 @${T}`,
      `gauge untyped_thing{"team":"pay","scrape_target":"app"} 1 @${T}`,
    ]);
    expect(rejected).toEqual(none);
  });

  it("keeps an exposition's labels that Vigil sets as exported_<name>", () => {
    const { samples } = map('m{host="h1",agent="a",scrape_target="x",team="t",job="j"} 1\n', { labels: { team: 'pay' } });
    expect(samples.map(line)).toEqual([`gauge m{"exported_host":"h1","exported_agent":"a","exported_scrape_target":"x","exported_team":"t","job":"j","team":"pay","scrape_target":"app"} 1 @${T}`]);
  });

  it('rejects Vigil names, up and scrape_* with a reason, and counts every rejection', () => {
    const text = ['vigil_cpu_utilization_ratio 1', 'up 1', 'scrape_duration_seconds 0.1', 'upper 1', 'nan_gauge NaN', 'inf_gauge -Inf', 'dup 1', 'dup 2', `long{v="${'x'.repeat(1025)}"} 1`].join('\n');
    const { samples, rejected } = map(text);
    expect(samples.map((s) => s.metric)).toEqual(['upper', 'dup']);
    expect(samples[1]!.value).toBe(1);
    expect(rejected).toEqual({ ...none, reserved_name: 3, non_finite_value: 2, duplicate_series: 1, invalid_series: 1 });
  });

  it('drops the series beyond max_series and counts them, keeping the first in exposition order', () => {
    const { samples, rejected } = map(['a 1', 'b 1', 'c 1', 'd 1', 'b 2'].join('\n'), { maxSeries: 2 });
    expect(samples.map((s) => s.metric)).toEqual(['a', 'b']);
    expect(rejected).toEqual({ ...none, max_series: 2, duplicate_series: 1 });
  });

  it('filters on the sample or family name with anchored metrics_allow / metrics_deny, uncounted', () => {
    const text = `# TYPE http_seconds histogram
http_seconds_bucket{le="1"} 1
http_seconds_count 1
http_seconds_sum 1
http_requests_total 3
node_load1 0.5
node_load15 0.2
`;
    const allow = map(text, { metricsAllow: /^(?:(?:http_seconds)|(?:node_load1))$/ });
    expect(allow.samples.map((s) => s.metric)).toEqual(['http_seconds_bucket', 'http_seconds_count', 'http_seconds_sum', 'node_load1']);
    const deny = map(text, { metricsDeny: /^(?:(?:http_.*_count)|(?:node_.*))$/ });
    expect(deny.samples.map((s) => s.metric)).toEqual(['http_seconds_bucket', 'http_seconds_sum', 'http_requests_total']);
    expect(deny.rejected).toEqual(none);
  });
});
