// The dashboard's only door to the engine: fetch against the public api under /api with the operator's
// API key (kept in sessionStorage, so it ends with the browser tab). Errors are classified so the
// pages can say exactly what is wrong: api unreachable, key rejected, role too low, or the api's problem.
const KEY_STORAGE = 'floyo.apiKey';

export const getKey = () => sessionStorage.getItem(KEY_STORAGE);
export const setKey = (key: string) => sessionStorage.setItem(KEY_STORAGE, key);
export const clearKey = () => sessionStorage.removeItem(KEY_STORAGE);

export type ErrorKind = 'network' | 'unauthorized' | 'forbidden' | 'http';

export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

/** Listeners told when any call finds the key rejected (401), so the shell can ask for a new one. */
const rejectedListeners = new Set<() => void>();
export const onKeyRejected = (fn: () => void) => {
  rejectedListeners.add(fn);
  return () => void rejectedListeners.delete(fn);
};

export async function api<T>(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<T> {
  const key = init.key ?? getKey();
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
  } catch {
    throw new ApiError('network', 'The api is unreachable: check that the engine is running (npm start), then retry.');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* a proxy's HTML error page: reported below */
  }
  if (res.ok) return json as T;
  const detail = (json as { detail?: string } | null)?.detail ?? `${res.status} ${res.statusText}`;
  if (res.status === 401) {
    if (!init.key) rejectedListeners.forEach((fn) => fn());
    throw new ApiError('unauthorized', `The API key was rejected: ${detail}`, 401);
  }
  if (res.status === 403) throw new ApiError('forbidden', detail, 403);
  if (res.status === 502 || res.status === 503 || res.status === 504)
    throw new ApiError('network', `The api cannot reach a dependency: ${detail}`, res.status);
  throw new ApiError('http', detail, res.status);
}

export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const can = (role: Role | undefined, min: Role) => !!role && RANK[role] >= RANK[min];
