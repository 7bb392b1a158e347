// Follows the engine's writes through LISTEN on the channel the notify_changed triggers send to. `live` is
// true only while the listening connection is up: a reader that cached something may serve it only then,
// because a notification sent while the connection was down is lost.
import type { Knex } from 'knex';
import pg from 'pg';
import { CHANGE_CHANNEL } from '../migrations/20261202000020_engine_change_notify';

export interface EngineChanges {
  /** Whether notifications are arriving now. */
  readonly live: boolean;
  /** Moves on every change and on every (re)connect: equal generations mean nothing changed in between. */
  readonly generation: number;
  /** Calls `fn` with the changed table's name, or null when notifications may have been missed. */
  onChange(fn: (table: string | null) => void): void;
  close(): Promise<void>;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

export function followEngineChanges(db: Knex, log: (msg: string) => void): EngineChanges {
  // The pool's own settings (URL, credentials, TLS), with TCP keepalive so a dropped connection is noticed.
  const settings = (db.client as { connectionSettings: pg.ClientConfig }).connectionSettings;
  const listeners: Array<(table: string | null) => void> = [];
  let live = false;
  let generation = 0;
  let closed = false;
  let client: pg.Client | null = null;
  let retryMs = RETRY_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const changed = (table: string | null) => {
    generation++;
    for (const fn of listeners) fn(table);
  };

  const lost = (reason: string) => {
    if (closed) return;
    if (live) log(`engine change feed lost (${reason}): reads bypass the cache until it is back`);
    live = false;
    changed(null);
    const c = client;
    client = null;
    c?.removeAllListeners();
    c?.on('error', () => undefined);
    void c?.end().catch(() => undefined);
    clearTimeout(timer);
    timer = setTimeout(() => void connect(), retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({ ...settings, keepAlive: true, application_name: 'floyo-api-changes' });
    client = c;
    c.on('error', (err) => lost(err.message));
    c.on('end', () => lost('connection ended'));
    c.on('notification', (msg) => {
      if (msg.channel === CHANGE_CHANNEL) changed(msg.payload ?? null);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      if (client === c) lost((err as Error).message);
      return;
    }
    if (closed || client !== c) return void c.end().catch(() => undefined);
    retryMs = RETRY_MIN_MS;
    live = true;
    // Whatever happened before LISTEN took effect is unknown.
    changed(null);
  }

  void connect();
  return {
    get live() {
      return live;
    },
    get generation() {
      return generation;
    },
    onChange: (fn) => void listeners.push(fn),
    close: async () => {
      closed = true;
      live = false;
      clearTimeout(timer);
      const c = client;
      client = null;
      c?.removeAllListeners();
      c?.on('error', () => undefined);
      await c?.end().catch(() => undefined);
    },
  };
}
