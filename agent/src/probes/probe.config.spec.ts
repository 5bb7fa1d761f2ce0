import { describe, expect, it } from 'vitest';
import { validate } from '../validate.js';
import { agentConfig, configProblems as problems, parseProbe as parse } from '../../test/probes/helpers.js';
import { parseHostPort } from './probe.targets.js';

describe('probe config', () => {
  it('defaults to no probes', () => {
    expect(validate(agentConfig, {})).toEqual({ ok: true, value: { probes: [] } });
  });

  it('applies defaults: interval 10s, timeout min(interval, 5s), GET, any 2xx, redirects, verification', () => {
    expect(parse({ name: 'a', type: 'http', url: 'https://example.com/' })).toEqual({
      name: 'a', type: 'http', target: 'https://example.com/', intervalMs: 10_000, timeoutMs: 5_000, labels: {},
      url: 'https://example.com/', method: 'GET', headers: {}, body: undefined, expectStatus: undefined,
      bodyMatch: undefined, bodyNotMatch: undefined, followRedirects: true, tlsVerify: true, ca: undefined,
    });
    expect(parse({ name: 'a', type: 'tcp', target: 'db:5432', interval: '2s' })).toMatchObject({ intervalMs: 2_000, timeoutMs: 2_000 });
    expect(parse({ name: 'a', type: 'tcp', target: 'db:5432', interval: '1m' })).toMatchObject({ intervalMs: 60_000, timeoutMs: 5_000 });
    expect(parse({ name: 'a', type: 'dns', query: 'example.com' })).toMatchObject({ recordType: 'A', server: undefined, expect: undefined, target: 'example.com' });
    expect(parse({ name: 'a', type: 'process', process_name: 'nginx' })).toMatchObject({ processName: 'nginx', cmdline: undefined, minCount: 1, target: 'nginx' });
  });

  it('normalises what operators may write loosely', () => {
    expect(parse({ name: 'a', type: 'http', url: 'http://x/', method: 'post' })).toMatchObject({ method: 'POST' });
    expect(parse({ name: 'a', type: 'dns', query: 'example.com', record_type: 'mx', expect: ['Mail.Example.COM.'] })).toMatchObject({ recordType: 'MX', expect: ['mail.example.com'] });
    expect(parse({ name: 'a', type: 'dns', query: 'example.com', record_type: 'TXT', expect: ['V=spf1'] })).toMatchObject({ expect: ['V=spf1'] });
    expect(parse({ name: 'a', type: 'dns', query: 'example.com', server: '::1' })).toMatchObject({ server: '::1' });
    expect(parse({ name: 'a', type: 'dns', query: 'example.com', server: '[::1]:5353' })).toMatchObject({ server: '[::1]:5353' });
    expect(parse({ name: 'a', type: 'dns', query: 'example.com', server: '10.0.0.53:5353' })).toMatchObject({ server: '10.0.0.53:5353' });
    expect(parse({ name: 'a', type: 'dns', query: '192.0.2.1', record_type: 'PTR' })).toMatchObject({ query: '192.0.2.1' });
    expect(parse({ name: 'a', type: 'tcp', target: '[::1]:22' })).toMatchObject({ host: '::1', port: 22, target: '[::1]:22' });
  });

  it('names the key path and the bad value of every problem, in one pass', () => {
    expect(
      problems([
        { name: 'shop-http', type: 'http', url: 'http://127.0.0.1:8000/health', interval: '5s', timeout: '10s' },
        { name: 'shop-http', type: 'tcp', target: 'db', tls_verify: false },
        { name: 'bad name', type: 'icmp' },
        { name: 'x', type: 'http', url: 'not a url', body_match: '(', expect_status: [200, 999], tagret: 'oops', interval: 5 },
        { name: 'y', type: 'process', process_name: 'a', cmdline: 'b', labels: { probe: 'p', 'bad-label': 'v', env: 3 } },
        { name: 'z', type: 'dns', query: 'exa mple.com', record_type: 'SOA', server: 'dns.example.com', interval: '500ms' },
        'shop',
      ]),
    ).toEqual([
      'probes[0].timeout: 10s is longer than the interval 5s',
      'probes[1].target: "db" has no port; expected HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000',
      'probes[1].tls_verify: only applies with tls: true',
      'probes[1].name: duplicate probe name "shop-http" (already used by the probe at index 0)',
      'probes[2].type: unknown probe type "icmp" (one of http, tcp, dns, process)',
      'probes[3].interval: expected a duration such as 10s, got number 5',
      'probes[3].url: "not a url" is not a valid URL',
      'probes[3].expect_status[1]: status codes are 100-599',
      'probes[3].body_match: invalid regular expression "(": Invalid regular expression: /(/: Unterminated group',
      'probes[3].tagret: unknown key for a http probe (allowed: name, interval, timeout, labels, type, url, method, headers, body, expect_status, body_match, body_not_match, follow_redirects, tls_verify, ca)',
      'probes[4].labels.env: expected a string label value, got number 3',
      'probes[4].labels.probe: label "probe" is set by the probe itself and cannot be overridden',
      'probes[4].labels.bad-label: invalid label name "bad-label" (letters, digits and "_", not starting with a digit or "__")',
      'probes[4].process_name: set exactly one of process_name (exact name) or cmdline (regular expression)',
      'probes[5].record_type: unsupported record type "SOA" (one of A, AAAA, CNAME, MX, TXT, NS, SRV, PTR)',
      'probes[5].server: "dns.example.com": the DNS server must be an IP address',
      'probes[5].interval: 500ms is shorter than the minimum 1s',
      'probes[5].query: "exa mple.com" is not a DNS name',
      'probes[6]: expected a probe (a map with name, type, ...), got string "shop"',
    ]);
  });

  it('reports a missing name, type or target as required', () => {
    expect(problems([{ type: 'http' }, { name: 'b' }, { name: 'c', type: 'tcp' }, { name: 'd', type: 'dns' }, { name: 'e', type: 5 }])).toEqual([
      'probes[0].name: required',
      'probes[0].url: required',
      'probes[1].type: required (one of http, tcp, dns, process)',
      'probes[2].target: required',
      'probes[3].query: required',
      'probes[4].type: unknown probe type 5 (one of http, tcp, dns, process)',
    ]);
  });

  it('rejects settings that cannot work', () => {
    expect(
      problems([
        { name: 'a', type: 'http', url: 'http://u:p@x/', method: 'HEAD', body_match: 'ok', headers: { 'Content-Length': '3', 'Bad Header': 'x' } },
        { name: 'b', type: 'http', url: 'ftp://x/', ca: '/nonexistent/ca.pem', timeout: '10ms', interval: '2d' },
        { name: 'c', type: 'process', cmdline: '[', min_count: 0 },
        { name: 'd', type: 'tcp', target: '127.0.0.1:70000', expect: '(?<x' },
        { name: 'e', type: 'tcp', target: '::1:80' },
      ]),
    ).toEqual([
      'probes[0].url: credentials in the URL would end up in the target label; use headers (Authorization) instead',
      'probes[0].headers.Content-Length: header Content-Length is managed by the probe',
      'probes[0].headers.Bad Header: invalid header: Header name must be a valid HTTP token ["Bad Header"]',
      'probes[0].body_match: HEAD responses have no body to match',
      'probes[1].url: "ftp://x/": only http:// and https:// URLs can be probed',
      'probes[1].ca: cannot read /nonexistent/ca.pem (ENOENT)',
      'probes[1].interval: 2d is longer than the maximum 1d',
      'probes[1].timeout: 10ms is shorter than the minimum 100ms',
      'probes[2].cmdline: invalid regular expression "[": Invalid regular expression: /[/: Unterminated character class',
      'probes[2].min_count: must be at least 1',
      'probes[3].target: "127.0.0.1:70000" has an invalid port (1-65535)',
      'probes[3].expect: invalid regular expression "(?<x": Invalid regular expression: /(?<x/: Invalid capture group name',
      'probes[4].target: "::1:80" has no port; write IPv6 targets as [address]:port',
    ]);
  });
});

describe('parseHostPort', () => {
  it('splits host names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('db.internal:5432', true)).toEqual({ host: 'db.internal', port: 5432 });
    expect(parseHostPort('[2001:db8::1]:443', true)).toEqual({ host: '2001:db8::1', port: 443 });
    expect(parseHostPort('2001:db8::1', false)).toEqual({ host: '2001:db8::1', port: undefined });
    expect(parseHostPort('10.0.0.53', false)).toEqual({ host: '10.0.0.53', port: undefined });
    expect(parseHostPort('[db]:80', true)).toEqual({ problem: '"[db]:80": only IPv6 addresses go inside [brackets]' });
    expect(parseHostPort(':80', true)).toEqual({ problem: '":80" is not HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000' });
  });
});
