// The SLA specs' Monday: a web shop with an availability and a latency objective, and what three
// agents probing it reported on Monday 2026-11-16 (hand-checked figures in sla.spec.ts).

/** The shop service of collector.yaml: two probes, 99.9 %, 95 % under 300 ms, Berlin working hours. */
export const SHOP_SERVICE = {
  id: 'shop',
  name: 'Web shop',
  owner: 'ops@example.com',
  probes: ['shop-http', 'shop-tcp'],
  sla: {
    availability: 99.9,
    latency: { threshold: '300ms', target: 95 },
    windows: ['7d', '30d'],
    period: 'month',
    timezone: 'Europe/Berlin',
    service_hours: 'Mon-Fri 08:00-18:00',
  },
};

export const MONDAY_AGENTS = ['a1', 'a2', 'a3'];

/**
 * Monday 2026-11-16, shop-http from three agents, one result per agent and minute (UTC times;
 * Berlin is UTC+1, service hours 07:00-17:00 UTC):
 *  08:00-08:20 a1+a2 fail (majority: bad)   09:00-09:10 only a1 fails (good: disagreement)
 *  10:00-10:30 slow (500 ms)                 11:00-11:05 no data (unknown)
 *  16:50-17:10 all fail (10 in hours)
 */
export function mondayResult(minuteMs: number, agent: string): { ok: boolean; seconds: number } | undefined {
  const t = new Date(minuteMs).toISOString().slice(11, 16);
  if (t >= '11:00' && t < '11:05') return undefined;
  let ok = true;
  if (t >= '08:00' && t < '08:20' && agent !== 'a3') ok = false;
  if (t >= '09:00' && t < '09:10' && agent === 'a1') ok = false;
  if (t >= '16:50' && t < '17:10') ok = false;
  return { ok, seconds: t >= '10:00' && t < '10:30' ? 0.5 : 0.1 };
}
