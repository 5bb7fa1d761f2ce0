// Display formats shared by every page.
import type { SlaStatus } from './types';

const VERDICTS: Record<SlaStatus, string> = { met: '✓ met', breached: '✕ missed', insufficient_data: 'insufficient data' };

/** An SLA figure's verdict in words: no verdict ("insufficient data") where too little was measured. */
export function verdict(status: SlaStatus): string {
  return VERDICTS[status];
}

/** CSS class of a verdict (colour backs the words, never replaces them). */
export function verdictClass(status: SlaStatus): string {
  return status === 'breached' ? 'bad' : status === 'met' ? 'ok' : 'muted';
}

/** One window's figures in a line: availability, coverage and verdict. */
export function windowSummary(w: { window: string; availability: number | null; coverage: number | null; status: SlaStatus }): string {
  return `${w.window}: ${pct(w.availability)}, ${pct(w.coverage, 0)} measured, ${verdict(w.status)}`;
}

export function pct(ratio: number | null | undefined, digits = 3): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(digits)} %`;
}

export function minutes(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return '–';
  const total = Math.round(m);
  if (total < 60) return `${total} min`;
  const h = Math.floor(total / 60);
  if (h < 48) return `${h} h ${total % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function days(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '–';
  return d < 1 ? `${Math.round(d * 24)} h` : `${d.toFixed(d < 10 ? 1 : 0)} d`;
}

export function time(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function ago(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '–';
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${(Math.sign(n) * v).toFixed(v < 10 && i > 0 ? 1 : 0)} ${UNITS[i]}`;
}

/** A value in a capacity or metric unit. */
export function amount(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined) return '–';
  if (unit === 'bytes') return bytes(v);
  if (unit === 'ratio') return pct(v, 1);
  return `${Number(v.toPrecision(4))} ${unit}`;
}

/** `datetime-local` input value (local time) from an ISO time, and back to ISO with offset. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
