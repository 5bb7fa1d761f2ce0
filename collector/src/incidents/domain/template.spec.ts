import { describe, expect, it } from 'vitest';
import { compileTemplate, formatNumber } from './template.js';

const ctx = { rule: 'disk-almost-full', severity: 'warning', service: 'shop', labels: { host: 'web-1', mountpoint: '/' }, value: 0.9234567, threshold: 0.9 };

describe('templates', () => {
  it('renders labels, value and filters', () => {
    expect(compileTemplate('{{ rule }} on {{labels.host}} ({{ labels.mountpoint }}) = {{ value }}').render(ctx)).toBe('disk-almost-full on web-1 (/) = 0.923457');
    expect(compileTemplate('{{ value | percent }} > {{ threshold | percent }}').render(ctx)).toBe('92.3% > 90%');
    expect(compileTemplate('{{ value | round:2 }} {{ severity | upper }} {{ labels.zone | default:"n/a" }}').render(ctx)).toBe('0.92 WARNING n/a');
    expect(compileTemplate('plain text').render(ctx)).toBe('plain text');
    expect(compileTemplate('missing: [{{ labels.nope }}]').render(ctx)).toBe('missing: []');
  });

  it('does not reach into prototypes', () => {
    expect(compileTemplate('{{ labels.constructor }}{{ labels.__proto__ }}').render(ctx)).toBe('');
  });

  it('rejects anything that is not a plain placeholder', () => {
    expect(() => compileTemplate('{{ process.env }}')).toThrow('unknown placeholder "process.env" in "{{ process.env }}"');
    expect(() => compileTemplate('{{ value + 1 }}')).toThrow('invalid placeholder {{ value + 1 }}');
    expect(() => compileTemplate('{{ labels }}')).toThrow('use labels.<name> instead of "labels"');
    expect(() => compileTemplate('{{ value | exec }}')).toThrow('unknown filter "exec"');
    expect(() => compileTemplate('oops {{ value')).toThrow('unclosed "{{"');
    expect(() => compileTemplate('oops }}')).toThrow('unmatched "}}"');
  });

  it('formats numbers without float noise', () => {
    expect([formatNumber(0.1 + 0.2), formatNumber(12), formatNumber(1234567.891)]).toEqual(['0.3', '12', '1234570']);
  });
});
