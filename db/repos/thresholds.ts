// The newest version of one versioned threshold (engine.thresholds), or null when it was never set.
import type { Knex } from 'knex';

export async function latestThresholdValue(db: Knex, name: string): Promise<number | null> {
  const row = await db('engine.thresholds').where({ name }).orderBy('version', 'desc').first('value');
  return row ? Number(row.value) : null;
}
