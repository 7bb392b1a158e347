// engine.api_keys: API keys are stored only as SHA-256 hashes; the raw key is shown once, at creation.
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyPrincipal {
  id: number;
  name: string;
  role: Role;
}

// Run on every authenticated request: the one-shot crypto.hash costs a third of a Hash object's three calls.
export function hashApiKey(key: string): string {
  return crypto.hash('sha256', key, 'hex');
}

/** The active (not revoked) key with this raw value, or null. */
export async function findActiveKey(db: Knex, rawKey: string): Promise<ApiKeyPrincipal | null> {
  const row = await db('engine.api_keys')
    .where({ key_hash: hashApiKey(rawKey) })
    .whereNull('revoked_at')
    .first('id', 'name', 'role');
  return row ? { id: Number(row.id), name: row.name, role: row.role } : null;
}

/**
 * Makes `rawKey` an active key with this name and role, whatever it was before (an operator who sets
 * ENGINE_BOOTSTRAP_ADMIN_KEY expects that key to work, even if it was revoked or demoted).
 */
export async function upsertApiKey(db: Knex, rawKey: string, name: string, role: Role): Promise<ApiKeyPrincipal> {
  const [row] = await db('engine.api_keys')
    .insert({ name, key_hash: hashApiKey(rawKey), role })
    .onConflict('key_hash')
    .merge({ name, role, revoked_at: null })
    .returning(['id', 'name', 'role']);
  return { id: Number(row.id), name: row.name, role: row.role };
}

/** Creates a new random key; returns the raw key (not stored anywhere) with its principal. */
export async function createApiKey(
  db: Knex,
  name: string,
  role: Role,
): Promise<{ key: string; principal: ApiKeyPrincipal }> {
  const key = `floyo_${role}_${crypto.randomBytes(24).toString('base64url')}`;
  return { key, principal: await upsertApiKey(db, key, name, role) };
}

export async function revokeApiKey(db: Knex, id: number): Promise<void> {
  await db('engine.api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
}

export interface ApiKeyInfo extends ApiKeyPrincipal {
  createdAt: string;
  revokedAt: string | null;
}

/** Every key (never the key itself, nor its hash), newest first. */
export async function listApiKeys(db: Knex, opts: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
  const q = db('engine.api_keys').select('id', 'name', 'role', 'created_at', 'revoked_at').orderBy('id', 'desc');
  if (!opts.includeRevoked) q.whereNull('revoked_at');
  const rows = await q;
  return rows.map((r: Record<string, any>) => ({
    id: Number(r.id),
    name: r.name,
    role: r.role,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  }));
}

export async function getApiKeyInfo(db: Knex, id: number): Promise<ApiKeyInfo | null> {
  const row = await db('engine.api_keys').where({ id }).first('id', 'name', 'role', 'created_at', 'revoked_at');
  return row
    ? {
        id: Number(row.id),
        name: row.name,
        role: row.role,
        createdAt: new Date(row.created_at).toISOString(),
        revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
      }
    : null;
}
