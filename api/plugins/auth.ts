// API-key authentication and role checks (docs/safety.md Access): viewer < operator < admin.
// Keys come as `Authorization: Bearer <key>` or `x-api-key: <key>`; only their SHA-256 hash is stored.
// A key found once is remembered while the engine's change feed is live and engine.api_keys has not changed
// since: a revocation through this process takes effect on the next request, one through another process (or
// straight in PostgreSQL) as soon as its change notification arrives, normally within milliseconds.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import { forbidden, unauthorized } from '../problem';
import { findActiveKey, hashApiKey, upsertApiKey, type ApiKeyPrincipal, type Role } from '../../db/repos/api-keys';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Active keys by their hash, valid until engine.api_keys changes. */
    knownKeys: Map<string, ApiKeyPrincipal>;
  }
  interface FastifyRequest {
    /** The caller's API key; set on every route under /api (null on public routes). */
    principal: ApiKeyPrincipal | null;
  }
}

const KNOWN_KEYS_MAX = 10_000;

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function hasRole(principal: ApiKeyPrincipal | null, min: Role): boolean {
  return !!principal && RANK[principal.role] >= RANK[min];
}

function presentedKey(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const header = request.headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  return key && key.trim() ? key.trim() : null;
}

/**
 * onRequest hook: identifies the caller or answers 401. A callback hook, so a remembered key (nearly every
 * request) is answered without a promise; only a key not seen yet goes to the database.
 */
export function authenticate(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const key = presentedKey(request);
  if (!key) return done(unauthorized('Missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`.'));
  // Longer than any key we issue: refuse before hashing attacker-sized input.
  if (key.length > 512) return done(unauthorized('Unknown or revoked API key.'));
  const { knownKeys, engineChanges } = request.server;
  const hash = hashApiKey(key);
  const known = engineChanges.live ? knownKeys.get(hash) : undefined;
  if (known) {
    request.principal = known;
    return done();
  }
  lookUpKey(request, key, hash).then(() => done(), done);
}

async function lookUpKey(request: FastifyRequest, key: string, hash: string): Promise<void> {
  const { knownKeys, engineChanges, knex } = request.server;
  const generation = engineChanges.generation;
  const found = await findActiveKey(knex, key);
  if (!found) throw unauthorized('Unknown or revoked API key.');
  // Bounded: past this many distinct keys, lookups simply go to the database again.
  if (engineChanges.live && generation === engineChanges.generation && knownKeys.size < KNOWN_KEYS_MAX)
    knownKeys.set(hash, found);
  request.principal = found;
}

/** Route-level onRequest hook: the caller's role must be at least `min`. */
export function requireRole(min: Role): onRequestHookHandler {
  return function roleCheck(request, _reply, done) {
    if (!request.principal)
      return done(unauthorized('Missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`.'));
    if (!hasRole(request.principal, min)) {
      return done(
        forbidden(
          `This requires the ${min} role; the key '${request.principal.name}' has the ${request.principal.role} role.`,
        ),
      );
    }
    done();
  };
}

/** Asserts a role inside a handler, for checks that depend on the body (e.g. live cycles need admin). */
export function assertRole(request: FastifyRequest, min: Role, what: string): ApiKeyPrincipal {
  if (!request.principal) throw unauthorized('Missing API key.');
  if (!hasRole(request.principal, min)) {
    throw forbidden(
      `${what} requires the ${min} role; the key '${request.principal.name}' has the ${request.principal.role} role.`,
    );
  }
  return request.principal;
}

export const authPlugin = fp<{ bootstrapAdminKey?: string }>(
  async (app, opts) => {
    app.decorateRequest('principal', null);
    const knownKeys = new Map<string, ApiKeyPrincipal>();
    app.decorate('knownKeys', knownKeys);
    app.engineChanges.onChange((table) => {
      if (table === null || table === 'api_keys') knownKeys.clear();
    });
    if (opts.bootstrapAdminKey) {
      if (opts.bootstrapAdminKey.trim().length < 16) {
        throw new Error('ENGINE_BOOTSTRAP_ADMIN_KEY must be at least 16 characters long');
      }
      await upsertApiKey(app.knex, opts.bootstrapAdminKey.trim(), 'bootstrap-admin', 'admin');
    }
  },
  { name: 'auth', fastify: '5.x', dependencies: ['engine-changes'] },
);
