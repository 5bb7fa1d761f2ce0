// A leadership the spec controls: it names the leader of a group of replicas, and tells each replica
// of its new role when the spec says so (a real implementation does on acquiring or losing its lock).
// The fencing check reads the group's leader, so a replica not yet told it was deposed is refused.
import type { Transaction } from '../../src/database/database.js';
import { NotLeaderError, type Leadership } from '../../src/leadership/leadership.js';

export class FakeElection {
  leader: string | undefined;
  /** Fencing checks that passed and that refused, by replica. */
  readonly fencedWrites = new Map<string, number>();
  readonly refusedWrites = new Map<string, number>();

  member(replicaId: string): FakeLeadership {
    return new FakeLeadership(replicaId, this);
  }
}

export class FakeLeadership implements Leadership {
  private leading = false;
  private readonly listeners = new Set<(leader: boolean) => void>();

  constructor(
    readonly replicaId: string,
    private readonly election: FakeElection,
  ) {}

  isLeader(): boolean {
    return this.leading;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async assertLeader(_tx: Transaction): Promise<void> {
    const leading = this.election.leader === this.replicaId;
    const counts = leading ? this.election.fencedWrites : this.election.refusedWrites;
    counts.set(this.replicaId, (counts.get(this.replicaId) ?? 0) + 1);
    if (!leading) throw new NotLeaderError(`${this.replicaId} is not the leader (${this.election.leader ?? 'nobody'} is)`);
  }

  /** Tells this replica whether it leads now, as the election says. */
  notify(): void {
    this.tell(this.election.leader === this.replicaId);
  }

  /** Tells this replica it leads or not, right or wrong (a stale view: fencing still asks the election). */
  tell(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    for (const l of this.listeners) l(leading);
  }
}
