// API-key authentication and role checks (docs/safety.md Access): viewer < operator < admin.
// Keys come as `Authorization: Bearer <key>` or `x-api-key: <key>`; only their SHA-256 hash is stored.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { forbidden, unauthorized } from '../problem';
import { findActiveKey, upsertApiKey, type ApiKeyPrincipal, type Role } from '../../db/repos/api-keys';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's API key; set on every route under /api (null on public routes). */
    principal: ApiKeyPrincipal | null;
  }
}

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

/** onRequest hook: identifies the caller or answers 401. */
export async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const key = presentedKey(request);
  if (!key) throw unauthorized('Missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`.');
  // Longer than any key we issue: refuse before hashing attacker-sized input.
  if (key.length > 512) throw unauthorized('Unknown or revoked API key.');
  const principal = await findActiveKey(request.server.knex, key);
  if (!principal) throw unauthorized('Unknown or revoked API key.');
  request.principal = principal;
}

/** Route-level onRequest hook: the caller's role must be at least `min`. */
export function requireRole(min: Role): onRequestAsyncHookHandler {
  return async function roleCheck(request) {
    if (!request.principal)
      throw unauthorized('Missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`.');
    if (!hasRole(request.principal, min)) {
      throw forbidden(
        `This requires the ${min} role; the key '${request.principal.name}' has the ${request.principal.role} role.`,
      );
    }
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
    if (opts.bootstrapAdminKey) {
      if (opts.bootstrapAdminKey.trim().length < 16) {
        throw new Error('ENGINE_BOOTSTRAP_ADMIN_KEY must be at least 16 characters long');
      }
      await upsertApiKey(app.knex, opts.bootstrapAdminKey.trim(), 'bootstrap-admin', 'admin');
    }
  },
  { name: 'auth', fastify: '5.x' },
);
