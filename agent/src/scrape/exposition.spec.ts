import { describe, expect, it } from 'vitest';
import { formatOfContentType, parseExposition, type ExpositionSample } from './exposition.js';

function ok(text: string, format: 'prometheus' | 'openmetrics' = 'prometheus'): ExpositionSample[] {
  const result = parseExposition(text, format);
  if (result.status !== 'ok') throw new Error(result.error);
  return result.samples;
}

const brief = (samples: ExpositionSample[]) => samples.map((s) => `${s.name}|${s.family}|${s.type}|${s.suffix}|${JSON.stringify(s.labels)}|${s.value}`);

describe('parseExposition: Prometheus text 0.0.4', () => {
  it('reads counters, gauges, untyped samples, escaped label values and ignores timestamps and comments', () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '# a plain comment',
      '',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      '# TYPE queue gauge',
      'queue{ job = "billing" , } -2.5',
      'weird{problem="division by zero"} +Inf -3982045',
      'no_labels 12.47',
    ].join('\n');
    expect(brief(ok(text))).toEqual([
      'http_requests_total|http_requests_total|counter||{"method":"post","code":"200"}|1027',
      'http_requests_total|http_requests_total|counter||{"method":"post","code":"400"}|3',
      'msdos_file_access_time_seconds|msdos_file_access_time_seconds|untyped||{"path":"C:\\\\DIR\\\\FILE.TXT","error":"Cannot find file:\\n\\"FILE.TXT\\""}|1458255915',
      'queue|queue|gauge||{"job":"billing"}|-2.5',
      'weird|weird|untyped||{"problem":"division by zero"}|Infinity',
      // The last line has no newline after it and still counts.
      'no_labels|no_labels|untyped||{}|12.47',
    ]);
  });

  it('links histogram and summary samples to their family by suffix', () => {
    const text = `# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="0.05"} 24054
rpc_seconds_bucket{le="+Inf"} 144320
rpc_seconds_sum 53423
rpc_seconds_count 144320
# TYPE gc_seconds summary
gc_seconds{quantile="0.5"} NaN
gc_seconds_sum 0.491
gc_seconds_count 104
`;
    expect(brief(ok(text))).toEqual([
      'rpc_seconds_bucket|rpc_seconds|histogram|_bucket|{"le":"0.05"}|24054',
      'rpc_seconds_bucket|rpc_seconds|histogram|_bucket|{"le":"+Inf"}|144320',
      'rpc_seconds_sum|rpc_seconds|histogram|_sum|{}|53423',
      'rpc_seconds_count|rpc_seconds|histogram|_count|{}|144320',
      'gc_seconds|gc_seconds|summary||{"quantile":"0.5"}|NaN',
      'gc_seconds_sum|gc_seconds|summary|_sum|{}|0.491',
      'gc_seconds_count|gc_seconds|summary|_count|{}|104',
    ]);
  });

  it('fails the whole exposition at the first malformed line, naming it', () => {
    const cases: [string, string][] = [
      ['a 1\nb{x="1} 2\n', 'line 2: unterminated value of label x: "b{x=\\"1} 2"'],
      ['a{x="\\t"} 1\n', 'line 1: invalid escape in label x: "a{x=\\"\\\\t\\"} 1"'],
      ['a{x="1",x="2"} 1\n', 'line 1: label x appears twice: "a{x=\\"1\\",x=\\"2\\"} 1"'],
      ['a one\n', 'line 1: invalid value "one": "a one"'],
      ['a 1 2 3\n', 'line 1: unexpected text after the timestamp: "a 1 2 3"'],
      ['a 1 soon\n', 'line 1: invalid timestamp "soon": "a 1 soon"'],
      ['a\n', 'line 1: expected a space before the value: "a"'],
      ['# TYPE a countr\n', 'line 1: unknown metric type "countr": "# TYPE a countr"'],
      ['# TYPE a gauge\n# TYPE a gauge\n', 'line 2: second TYPE line for a: "# TYPE a gauge"'],
      ['1a 1\n', 'line 1: expected a metric name: "1a 1"'],
      ['a 1 # {t="x"} 1\n', 'line 1: unexpected text after the timestamp: "a 1 # {t=\\"x\\"} 1"'],
    ];
    for (const [text, error] of cases) expect(parseExposition(text, 'prometheus')).toEqual({ status: 'error', error });
  });
});

describe('parseExposition: OpenMetrics 1.0', () => {
  it('reads counter families declared without _total, _created, exemplars, UNIT and # EOF', () => {
    const text = `# TYPE foo counter
# UNIT foo seconds
# HELP foo A counter.
foo_total{a="x"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
foo_created{a="x"} 1520430000.123
# TYPE build info
build_info{version="1.2"} 1
# TYPE q gaugehistogram
q_bucket{le="1"} 2
q_gcount 2
# EOF
`;
    expect(brief(ok(text, 'openmetrics'))).toEqual([
      'foo_total|foo|counter|_total|{"a":"x"}|17',
      'foo_created|foo|counter|_created|{"a":"x"}|1520430000.123',
      'build_info|build|info|_info|{"version":"1.2"}|1',
      'q_bucket|q|gaugehistogram|_bucket|{"le":"1"}|2',
      'q_gcount|q|gaugehistogram|_gcount|{}|2',
    ]);
  });

  it('requires # EOF at the end and nothing after it', () => {
    expect(parseExposition('a 1\n', 'openmetrics')).toEqual({ status: 'error', error: 'OpenMetrics exposition does not end with "# EOF" (cut short?)' });
    expect(parseExposition('a 1\n# EOF\nb 2\n', 'openmetrics')).toEqual({ status: 'error', error: 'line 3: content after "# EOF": "b 2"' });
  });

  it('tells the format from the Content-Type header', () => {
    expect(formatOfContentType('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatOfContentType('text/plain; version=0.0.4; charset=utf-8')).toBe('prometheus');
    expect(formatOfContentType(undefined)).toBe('prometheus');
  });
});
