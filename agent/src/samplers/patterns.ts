// Exclusion patterns used by the samplers' config: exact names with "*" as wildcard ("loop*", "/var/lib/docker/*").

export type NameMatcher = (name: string) => boolean;

export function compilePatterns(patterns: readonly string[]): NameMatcher {
  const exact = new Set<string>();
  const wildcards: RegExp[] = [];
  for (const pattern of patterns) {
    if (!pattern.includes('*')) exact.add(pattern);
    else wildcards.push(new RegExp('^' + pattern.split('*').map(escapeRegExp).join('.*') + '$'));
  }
  return (name) => exact.has(name) || wildcards.some((re) => re.test(name));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
