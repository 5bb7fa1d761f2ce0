import type { Transaction } from '../../src/database/database.js';
import { NotLeaderError, type Leadership } from '../../src/leadership/leadership.js';

/** A Leadership fake whose role the test sets: a standby, then the leader (or back). Fences like the real one. */
export class SwitchableLeadership implements Leadership {
  private readonly listeners = new Set<(leader: boolean) => void>();

  constructor(private leader: boolean, readonly replicaId = 'test-replica') {}

  isLeader(): boolean {
    return this.leader;
  }

  set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    for (const listener of this.listeners) listener(leader);
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async assertLeader(_tx: Transaction): Promise<void> {
    if (!this.leader) throw new NotLeaderError(`${this.replicaId} is a standby`);
  }
}
