// 90 daily uptime bars. Each day has a colour and a pattern, a tooltip with its figures, and the
// text line under the bars names the chosen day (arrow keys or pointer), so nothing relies on colour.
import { useState } from 'preact/hooks';
import { minutes, pct } from '../format';
import type { Day } from '../types';


export function dayKind(d: Day, objective: number | null): { cls: string; label: string } {
  if (d.availability === null || d.good + d.bad === 0) return { cls: 'nodata', label: 'No data' };
  if (d.bad === 0) return { cls: 'ok', label: 'Operational' };
  if (objective !== null && d.availability < objective) return { cls: 'below', label: 'Below objective' };
  return { cls: 'partial', label: 'Partial outage' };
}

export function dayText(d: Day, objective: number | null): string {
  const kind = dayKind(d, objective);
  if (kind.cls === 'nodata') return `${d.date}: no data`;
  const planned = d.planned_downtime ? `, ${minutes(d.planned_downtime)} planned maintenance` : '';
  const measured = d.coverage !== null && d.coverage < 1 ? `, ${pct(d.coverage, 0)} of the day measured` : '';
  return `${d.date}: ${kind.label}, ${pct(d.availability, 2)} up, ${minutes(d.bad)} down${planned}${measured}`;
}

export function UptimeBars({ days, objective, label }: { days: Day[]; objective: number | null; label: string }) {
  const [selected, setSelected] = useState(days.length - 1);
  if (days.length === 0) return <p class="muted">No daily figures (the service has no SLA section).</p>;
  const current = days[Math.min(selected, days.length - 1)]!;
  const move = (e: KeyboardEvent) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -days.length, End: days.length }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    setSelected((i) => Math.max(0, Math.min(days.length - 1, i + step)));
  };
  return (
    <div>
      <div class="bars" tabIndex={0} role="group" aria-label={`${label}: daily uptime for ${days.length} days; arrow keys move between days`} onKeyDown={move}>
        {days.map((d, i) => (
          <span key={d.date} class={`bar ${dayKind(d, objective).cls}${i === selected ? ' selected' : ''}`} title={dayText(d, objective)} onMouseEnter={() => setSelected(i)} />
        ))}
      </div>
      <div class="bars-legend" aria-hidden="true">
        <span>{days[0]!.date}</span>
        <span>today</span>
      </div>
      <p class="day-label" aria-live="polite">
        {dayText(current, objective)}
      </p>
    </div>
  );
}
