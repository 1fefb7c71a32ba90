import DataLoader from 'dataloader';
import type { LedgerReadRepository, KeyedEntry } from '../ledger-read-repository';

/**
 * Per request, per (after, first): the statement lines of every account a
 * GraphQL response asks for, fetched in one statement for all of them rather
 * than one per account (no N+1).
 */
export class EntriesLoaders {
  private readonly loaders = new Map<string, DataLoader<string, KeyedEntry[]>>();

  constructor(private readonly reads: LedgerReadRepository) {}

  load(accountId: string, after: string | null, limit: number): Promise<KeyedEntry[]> {
    const key = `${limit}\u0000${after ?? ''}`;
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = new DataLoader<string, KeyedEntry[]>(async (ids) => {
        const lines = await this.reads.entriesOf(ids, after, limit);
        return ids.map((id) => lines.get(id) ?? []);
      });
      this.loaders.set(key, loader);
    }
    return loader.load(accountId);
  }
}
