import { describe, expect, it } from 'vitest';
import { compileSelector, equalityLabels, parseSeriesSelector, unquote } from './sli-selector.js';

const problem = (text: string) => {
  try {
    parseSeriesSelector(text);
    return 'parsed';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('PromQL series selectors', () => {
  it('parses a metric name and the four matcher kinds', () => {
    expect(parseSeriesSelector(' http_requests_total{job="shop",code!~"5..", method=~\'GET|POST\', path!=`/health`} ')).toEqual({
      text: 'http_requests_total{job="shop",code!~"5..", method=~\'GET|POST\', path!=`/health`}',
      metric: 'http_requests_total',
      matchers: [
        { name: 'job', op: '=', value: 'shop' },
        { name: 'code', op: '!~', value: '5..' },
        { name: 'method', op: '=~', value: 'GET|POST' },
        { name: 'path', op: '!=', value: '/health' },
      ],
    });
    expect(parseSeriesSelector('up')).toEqual({ text: 'up', metric: 'up', matchers: [] });
    expect(parseSeriesSelector('{"http.requests"}').metric).toBe('http.requests');
  });

  it('refuses anything but one selector, saying what it found', () => {
    const only = 'give only a series selector such as http_requests_total{job="shop"}';
    expect(problem('rate(http_requests_total{job="shop"}[5m])')).toBe(`a function call is not allowed: ${only}`);
    expect(problem('http_requests_total[5m]')).toBe(`a range selector such as [5m] is not allowed: ${only}`);
    expect(problem('http_requests_total offset 5m')).toBe(`an offset modifier is not allowed: ${only}`);
    expect(problem('a_total / b_total')).toBe(`a binary operation is not allowed: ${only}`);
    expect(problem('sum(a_total)')).toBe(`an aggregation is not allowed: ${only}`);
    expect(problem('{job="shop"}')).toBe('a metric name is required (e.g. http_requests_total{job="shop"})');
    expect(problem('a{__name__="b"}')).toBe('give the metric name before the braces, not as a __name__ matcher');
    expect(problem('a{job=}')).toBe('invalid selector syntax at character 7');
    expect(problem('a{job=~"("}')).toMatch(/^invalid regular expression for label job: /);
    expect(problem('')).toBe('empty selector (give e.g. http_requests_total{job="shop"})');
  });

  it('matches like Prometheus: regexes fully anchored, a missing label is the empty string', () => {
    const match = compileSelector(parseSeriesSelector('http_requests_total{job="shop",code!~"5..",env=""}'));
    expect(match('http_requests_total', { job: 'shop', code: '200' })).toBe(true);
    expect(match('http_requests_total', { job: 'shop', code: '503' })).toBe(false);
    // Anchored: "5.." does not match inside "1500".
    expect(match('http_requests_total', { job: 'shop', code: '1500' })).toBe(true);
    expect(match('http_requests_total', { job: 'shop', code: '200', env: 'prod' })).toBe(false);
    expect(match('http_requests_total', { job: 'shopping', code: '200' })).toBe(false);
    expect(match('other_total', { job: 'shop', code: '200' })).toBe(false);
    const any = compileSelector(parseSeriesSelector('x{path=~"/api/.*"}'));
    expect(any('x', { path: '/api/a\nb' })).toBe(true);
    expect(any('x', { path: '/web/api/' })).toBe(false);
    expect(equalityLabels(parseSeriesSelector('x{a="1",b!="2",c="",d=~"4"}'))).toEqual({ a: '1' });
  });

  it('unquotes Go-style escapes', () => {
    expect(unquote('"a\\"b\\n\\x41\\u00e9\\101"')).toBe('a"b\nAéA');
    expect(unquote('`raw\\n`')).toBe('raw\\n');
  });
});
