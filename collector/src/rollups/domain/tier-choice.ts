// Which stored resolution answers a range query: the coarsest tier whose buckets still fit the step
// (so each step has at least one bucket), moved coarser while the range starts before the tier's
// retention (older data only exists in coarser tiers).
import { TIERS, type TierName } from './buckets.js';

export type Resolution = 'raw' | TierName;

export interface TierRetention {
  raw: number;
  '1m': number;
  '1h': number;
}

export function chooseResolution(fromMs: number, stepMs: number, nowMs: number, retention: TierRetention): Resolution {
  const ladder: Array<{ name: Resolution; widthMs: number }> = [{ name: 'raw', widthMs: 0 }, ...TIERS];
  let index = 0;
  for (let i = 0; i < ladder.length; i++) if (ladder[i]!.widthMs <= stepMs) index = i;
  while (index < ladder.length - 1 && fromMs < nowMs - retention[ladder[index]!.name]) index++;
  return ladder[index]!.name;
}
