// Service and incident states as words with a symbol: colour is never the only signal.
const STATES: Record<string, { icon: string; label: string }> = {
  up: { icon: '✓', label: 'Up' },
  degraded: { icon: '◐', label: 'Degraded' },
  down: { icon: '✕', label: 'Down' },
  no_data: { icon: '?', label: 'No data' },
  maintenance: { icon: '⚒', label: 'Maintenance' },
};

export const stateLabel = (state: string) => STATES[state]?.label ?? state;

export function StateBadge({ state }: { state: string }) {
  const s = STATES[state] ?? { icon: '•', label: state };
  return (
    <span class={`badge s-${state}`} data-state={state}>
      <span aria-hidden="true">{s.icon}</span>
      {s.label}
    </span>
  );
}

const SEVERITY_ICON: Record<string, string> = { critical: '‼', error: '!', warning: '▲', info: 'i' };

export function Severity({ severity }: { severity: string }) {
  return (
    <span class={`badge sev-${severity}`}>
      <span aria-hidden="true">{SEVERITY_ICON[severity] ?? '•'}</span>
      {severity}
    </span>
  );
}
