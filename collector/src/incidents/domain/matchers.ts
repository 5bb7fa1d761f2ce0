// Label matchers of a rule: equality (the common case) plus the Prometheus operators
// !=, =~ and !~ (regular expressions fully anchored, as in PromQL).

export type MatcherKind = 'eq' | 'ne' | 're' | 'nre';

export interface LabelMatcher {
  name: string;
  kind: MatcherKind;
  value: string;
}

interface CompiledMatcher extends LabelMatcher {
  regex?: RegExp;
}

export type MatchFn = (labels: Readonly<Record<string, string>>) => boolean;

/** Compiles matchers into one predicate; throws on an invalid regular expression. */
export function compileMatchers(matchers: readonly LabelMatcher[]): MatchFn {
  const compiled: CompiledMatcher[] = matchers.map((m) =>
    m.kind === 're' || m.kind === 'nre' ? { ...m, regex: new RegExp(`^(?:${m.value})$`) } : m,
  );
  if (compiled.length === 0) return () => true;
  return (labels) => {
    for (const m of compiled) {
      // A missing label matches like an empty value, as in PromQL.
      const value = labels[m.name] ?? '';
      switch (m.kind) {
        case 'eq':
          if (value !== m.value) return false;
          break;
        case 'ne':
          if (value === m.value) return false;
          break;
        case 're':
          if (!m.regex!.test(value)) return false;
          break;
        case 'nre':
          if (m.regex!.test(value)) return false;
          break;
      }
    }
    return true;
  };
}
