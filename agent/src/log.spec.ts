import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('createLogger', () => {
  it('writes text lines with key=value fields and no colour codes', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l));
    logger.debug('hidden');
    logger.warn('spool dropped 1 batch', { reason: 'memory_full', seqs: '12', detail: 'two words', none: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn {2}spool dropped 1 batch reason=memory_full seqs=12 detail="two words"\n$/);
    expect(lines[0]).not.toContain('\u001b');
  });

  it('writes one JSON object per line with ts, level, msg and the fields', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (l) => lines.push(l), 'json');
    logger.info('connected to collector', { collector: '127.0.0.1:7070', pending: 3, tls: false, msg: 'clash', absent: undefined });
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0]!);
    expect(Object.keys(record)).toEqual(['ts', 'level', 'msg', 'collector', 'pending', 'tls', 'field_msg']);
    expect(record).toMatchObject({ level: 'info', msg: 'connected to collector', collector: '127.0.0.1:7070', pending: 3, tls: false, field_msg: 'clash' });
    expect(new Date(record.ts).toISOString()).toBe(record.ts);
  });
});
