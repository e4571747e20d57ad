// The browser's ShardStore: one IndexedDB database (through idb) with the dataset manifests and
// their token shards. Deleting a dataset removes its manifest and shards in one transaction, so
// nothing half-deleted is ever listed.

import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { type DatasetManifest, type ShardStore, type Split, shardKey } from './shardStore';

interface DatasetDb extends DBSchema {
  manifests: { key: string; value: DatasetManifest };
  shards: { key: string; value: Uint16Array };
}

const DB_NAME = 'i3-datasets';

export class IdbShardStore implements ShardStore {
  private constructor(private readonly db: IDBPDatabase<DatasetDb>) {}

  static async open(name = DB_NAME): Promise<IdbShardStore> {
    const db = await openDB<DatasetDb>(name, 1, {
      upgrade(d) {
        d.createObjectStore('manifests', { keyPath: 'id' });
        d.createObjectStore('shards');
      },
    });
    return new IdbShardStore(db);
  }

  async putShard(id: string, split: Split, index: number, tokens: Uint16Array): Promise<void> {
    // Copy: the writer reuses its buffer, and a view of a larger buffer would store all of it.
    await this.db.put('shards', tokens.slice(), shardKey(id, split, index));
  }

  async getShard(id: string, split: Split, index: number): Promise<Uint16Array> {
    const s = await this.db.get('shards', shardKey(id, split, index));
    if (!s) throw new Error(`dataset shard ${shardKey(id, split, index)} is missing`);
    return s;
  }

  async hasShard(id: string, split: Split, index: number): Promise<boolean> {
    return (await this.db.getKey('shards', shardKey(id, split, index))) !== undefined;
  }

  async putManifest(m: DatasetManifest): Promise<void> {
    await this.db.put('manifests', m);
  }

  async getManifest(id: string): Promise<DatasetManifest | undefined> {
    return this.db.get('manifests', id);
  }

  async listManifests(): Promise<DatasetManifest[]> {
    return this.db.getAll('manifests');
  }

  async deleteDataset(id: string): Promise<void> {
    const tx = this.db.transaction(['manifests', 'shards'], 'readwrite');
    await Promise.all([
      tx.objectStore('manifests').delete(id),
      tx.objectStore('shards').delete(IDBKeyRange.bound(`${id}/`, `${id}/\uffff`)),
      tx.done,
    ]);
  }

  close(): void {
    this.db.close();
  }
}
