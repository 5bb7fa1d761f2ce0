// A reconnecting agent defines all its series again in its new stream's first batch (after a network blip, or
// every agent at once after the collector restarted its gRPC server). Checking each definition and having the
// store find each series by key again held the first acks of 1,000 reconnecting streams for up to 0.8 s
// (docs/storage.md, "The reconnection burst (fifth pass)"). Agents number their series the same way in every
// stream, so the series the previous stream checked under a number is offered to the new stream's definition
// of that number, which takes it only when it is the same series (ref-batch.ts). A stream that does not define
// a number (one of full series defines none) passes on what it was offered for it: the bench's paced phase
// follows a phase of full series, and looked every series up by key again (docs/storage.md, "sixth pass").
import type { RecurringSeries } from '../storage/storage.types.js';
import { SeriesRefTable } from './series-refs.js';

/** Agents whose latest stream's series are kept; the least recently connected are forgotten first. */
const MAX_CARRIED_AGENTS = 10_000;

type Carried = ReadonlyArray<RecurringSeries | undefined>;

/** Per agent, the table of its latest stream while it is open, then only the series it checked or passed on. */
export class CarriedSeries {
  private readonly byAgent = new Map<string, SeriesRefTable | Carried>();

  constructor(private readonly maxAgents = MAX_CARRIED_AGENTS) {}

  get agents(): number {
    return this.byAgent.size;
  }

  /** A stream of the agent was admitted: it is offered what the agent's latest stream checked, and becomes the latest. */
  connected(agentId: string, table: SeriesRefTable): void {
    const latest = this.byAgent.get(agentId);
    if (latest !== undefined) {
      this.byAgent.delete(agentId); // re-inserted below: most recently connected last
      table.carryFrom(latest instanceof SeriesRefTable ? latest.checkedSeries() : latest);
    } else if (this.byAgent.size >= this.maxAgents) {
      this.byAgent.delete(this.byAgent.keys().next().value!);
    }
    this.byAgent.set(agentId, table);
  }

  /** The stream ended: its definitions and scratch go, the series it checked stay for the next stream. */
  disconnected(agentId: string, table: SeriesRefTable): void {
    if (this.byAgent.get(agentId) === table) this.byAgent.set(agentId, table.checkedSeries());
  }
}
