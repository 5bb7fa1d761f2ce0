// Reading a Prometheus text exposition (format 0.0.4) back into families, for the checks that what
// the collector exposes is documented in dashboards/lib/catalog.mjs.

export interface ExposedFamily {
  name: string;
  type: string;
  /** Label names seen on the family's samples, `le` and `quantile` excluded. */
  labels: Set<string>;
  samples: number;
}

const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

/** Families by name from their `# TYPE` lines, with the label names of their samples. */
export function exposedFamilies(text: string): Map<string, ExposedFamily> {
  const families = new Map<string, ExposedFamily>();
  const familyOf = (sample: string): ExposedFamily | undefined => {
    const direct = families.get(sample);
    if (direct) return direct;
    for (const family of families.values()) {
      if ((SUFFIXES[family.type] ?? []).some((suffix) => sample === family.name + suffix)) return family;
    }
    return undefined;
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      families.set(type[1]!, { name: type[1]!, type: type[2]!, labels: new Set(), samples: 0 });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s/.exec(line);
    if (!sample) continue;
    const family = familyOf(sample[1]!);
    if (!family) continue;
    family.samples++;
    for (const label of (sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      if (label[1] !== 'le' && label[1] !== 'quantile') family.labels.add(label[1]!);
    }
  }
  return families;
}
