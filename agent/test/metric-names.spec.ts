// The metric names the README (and docs/agent.md) promise are exactly the names the agent's samplers and probes
// emit, with the kinds the tables state, and they follow Prometheus conventions.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EXCLUDED_DEVICES, DEFAULT_EXCLUDED_FS_TYPES, DEFAULT_EXCLUDED_INTERFACES, DEFAULT_EXCLUDED_MOUNTPOINTS } from '../src/config/config.schema.js';
import { ReasonCounter, type MetricKind, type Sample } from '../src/pipeline/types.js';
import { PROBE_METRICS } from '../src/probes/index.js';
import { FallbackSampler, LinuxSampler, SelfSampler } from '../src/samplers/index.js';
import { healthSamples, TEXTFILE_METRICS } from '../src/scrape/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/host', import.meta.url));

/** Expands shell-style braces: `a_{b,c}_d` -> a_b_d, a_c_d. */
function expandBraces(text: string): string[] {
  const match = /\{([^{}]*)\}/.exec(text);
  if (!match) return [text];
  return match[1]!.split(',').flatMap((alt) => expandBraces(text.slice(0, match.index) + alt + text.slice(match.index + match[0].length)));
}

/** Metric names per table row of a markdown section: first cell's `code` spans, and the kind column. */
function documentedMetrics(markdown: string, from: string, to: string): Map<string, string> {
  const start = markdown.indexOf(from);
  const end = markdown.indexOf(to, start + from.length);
  if (start < 0 || end < 0) throw new Error(`section "${from}" … "${to}" not found`);
  const out = new Map<string, string>();
  for (const line of markdown.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.includes('`vigil_')) continue;
    for (const [, name] of cells[1]!.matchAll(/`(vigil_[^`]+)`/g)) for (const expanded of expandBraces(name!)) out.set(expanded, cells[2]!);
  }
  return out;
}

describe('agent metric names', () => {
  let root: string;
  const emitted = new Map<string, MetricKind>();

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'vigil-names-'));
    cpSync(FIXTURE, root, { recursive: true });
    const sampler = new LinuxSampler({
      hostRoot: root,
      excludeDevices: DEFAULT_EXCLUDED_DEVICES,
      excludeInterfaces: DEFAULT_EXCLUDED_INTERFACES,
      filesystems: { excludeTypes: DEFAULT_EXCLUDED_FS_TYPES, excludeMountpoints: DEFAULT_EXCLUDED_MOUNTPOINTS },
      // A filesystem with an inode table, so every filesystem metric appears.
      statfs: async () => ({ bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 500, ffree: 200 }),
    });
    await sampler.prime();
    copyFileSync(path.join(root, 'proc/stat.next'), path.join(root, 'proc/stat'));
    const host = await sampler.collect(1_764_000_000_000);
    await sampler.close();
    const self = await new SelfSampler({ spoolPendingBatches: () => 0, spoolDropped: new ReasonCounter(['spool_full']), rejectedSamples: new ReasonCounter(['invalid_label']), skippedTicks: () => 0, spoolErrors: new ReasonCounter(['enospc']), rejections: new ReasonCounter(['invalid_label']), collector: () => ({ configured: 'c:7070', target: '127.0.0.1:7070' }), collectorFailovers: () => 0 }).collect(1);
    for (const s of [...host, ...self] as Sample[]) emitted.set(s.metric, s.kind);
    // Probe samples are all gauges (probe.samples.ts); which facts each probe type reports is tested with the probes.
    for (const name of Object.values(PROBE_METRICS)) emitted.set(name, 'gauge');
    // Scrape health (per target, and the textfile collector's per-file gauges); scraped series keep their own names.
    for (const s of healthSamples('t', { status: 'up', samples: [] }, 0.1, new ReasonCounter(['max_series']), 1)) emitted.set(s.metric, s.kind);
    for (const name of Object.values(TEXTFILE_METRICS)) emitted.set(name, 'gauge');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('README lists exactly the emitted names, with their kinds', () => {
    const readme = documentedMetrics(readFileSync(path.join(REPO, 'README.md'), 'utf8'), '## Metric names', 'Collector metrics:');
    expect([...readme.keys()].sort()).toEqual([...emitted.keys()].sort());
    for (const [name, kind] of readme) if (kind === 'gauge' || kind === 'counter') expect(`${name}: ${emitted.get(name)}`).toBe(`${name}: ${kind}`);
  });

  it('docs/agent.md lists exactly the emitted names, with their kinds', () => {
    const docs = documentedMetrics(readFileSync(path.join(REPO, 'docs/agent.md'), 'utf8'), '## Metrics', '## ');
    expect([...docs.keys()].sort()).toEqual([...emitted.keys()].sort());
    for (const [name, kind] of docs) expect(`${name}: ${emitted.get(name)}`).toBe(`${name}: ${kind}`);
  });

  it('the systeminformation fallback emits a subset of the same names with the same kinds (run on this host)', async () => {
    const fallback = new FallbackSampler({ excludeInterfaces: DEFAULT_EXCLUDED_INTERFACES, filesystems: { excludeTypes: DEFAULT_EXCLUDED_FS_TYPES, excludeMountpoints: DEFAULT_EXCLUDED_MOUNTPOINTS } });
    const samples = await fallback.collect(Date.now());
    const kinds = new Map(samples.map((s) => [s.metric, s.kind]));
    expect(kinds.get('vigil_memory_total_bytes')).toBe('gauge');
    for (const [name, kind] of kinds) expect(`${name}: ${kind}`).toBe(`${name}: ${emitted.get(name)}`);
  }, 30_000);

  it('follows Prometheus naming: vigil_ prefix, snake case, counters end in _total, base units', () => {
    for (const [name, kind] of emitted) {
      expect(name).toMatch(/^vigil_[a-z][a-z0-9_]*[a-z0-9]$/);
      if (kind === 'counter') expect(name).toMatch(/_total$/);
      // No non-base units: milliseconds, kilobytes, percent.
      expect(name).not.toMatch(/_(ms|milliseconds|kb|kib|mb|mib|percent)(_|$)/);
    }
  });
});
