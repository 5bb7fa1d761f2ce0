import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../log.js';
import type { Sample } from '../pipeline/types.js';
import { TextfileSampler } from './textfile.sampler.js';

const T = 1_764_000_000_000;
const show = (samples: Sample[]) => samples.filter((s) => s.metric !== 'vigil_scrape_duration_seconds' && s.metric !== 'vigil_scrape_rejected_series_total').map((s) => `${s.kind} ${s.metric}${JSON.stringify(s.labels)} ${s.value}`);

describe('TextfileSampler', () => {
  let dir: string;
  const warnings: string[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`), error: () => undefined };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-textfile-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every *.prom file, reports each broken one as a metric and one log line, and keeps the rest', async () => {
    writeFileSync(path.join(dir, 'backup.prom'), '# TYPE backup_last_success_timestamp_seconds gauge\nbackup_last_success_timestamp_seconds{db="main"} 1764000000\n');
    writeFileSync(path.join(dir, 'broken.prom'), 'half_written{db="main" 1\n');
    writeFileSync(path.join(dir, 'reserved.prom'), 'up 1\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'not read\n');
    mkdirSync(path.join(dir, 'dir.prom'));
    utimesSync(path.join(dir, 'backup.prom'), 1_763_999_000, 1_763_999_000);
    const sampler = new TextfileSampler({ dir, maxSeries: 100, maxBytes: 1 << 20 }, logger);
    const samples = await sampler.collect(T);
    expect(show(samples).filter((l) => !l.includes('mtime'))).toEqual([
      'gauge backup_last_success_timestamp_seconds{"db":"main","scrape_target":"textfile"} 1764000000',
      'gauge vigil_textfile_scrape_error{"file":"backup.prom"} 0',
      'gauge vigil_textfile_scrape_error{"file":"broken.prom"} 1',
      'gauge vigil_textfile_scrape_error{"file":"dir.prom"} 1',
      'gauge vigil_textfile_scrape_error{"file":"reserved.prom"} 0',
      'gauge vigil_scrape_up{"target":"textfile"} 1',
      'gauge vigil_scrape_series{"target":"textfile"} 1',
    ]);
    expect(samples.find((s) => s.metric === 'vigil_textfile_mtime_seconds' && s.labels.file === 'backup.prom')!.value).toBe(1_763_999_000);
    expect(samples.find((s) => s.metric === 'vigil_scrape_rejected_series_total' && s.labels.reason === 'reserved_name')!.value).toBe(1);
    expect(warnings).toEqual([
      'textfile not read {"file":"broken.prom","error":"line 1: expected \\",\\" or \\"}\\" after a label: \\"half_written{db=\\\\\\"main\\\\\\" 1\\""}',
      'textfile not read {"file":"dir.prom","error":"not a regular file"}',
    ]);
    // The same problems on the next tick are not logged again.
    await sampler.collect(T + 10_000);
    expect(warnings).toHaveLength(2);
  });

  it('reports the textfile target down when the directory cannot be listed, and a file over the size bound', async () => {
    const missing = new TextfileSampler({ dir: path.join(dir, 'missing'), maxSeries: 100, maxBytes: 1 << 20 }, logger);
    expect(show(await missing.collect(T))).toEqual(['gauge vigil_scrape_up{"target":"textfile"} 0', 'gauge vigil_scrape_series{"target":"textfile"} 0']);
    writeFileSync(path.join(dir, 'big.prom'), `big 1\n${'#\n'.repeat(600)}`);
    const small = new TextfileSampler({ dir, maxSeries: 100, maxBytes: 1024 }, logger);
    expect(show(await small.collect(T))).toContain('gauge vigil_textfile_scrape_error{"file":"big.prom"} 1');
    expect(warnings.at(-1)).toBe('textfile not read {"file":"big.prom","error":"1206 bytes is larger than the limit 1KiB"}');
  });
});
