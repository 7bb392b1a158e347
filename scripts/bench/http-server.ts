// A server for the http bench, in a child process of its own: `hello` (a Fastify hello-world, the
// baseline) or `api` (the engine's api from DATABASE_URL and TEMPORAL_ADDRESS). Sends its URL over IPC.
import Fastify from 'fastify';
import { startApi } from '../../api/server';
import { config } from '../../platform/config';

const mode = process.argv[2];

async function listen(): Promise<{ url: string; close(): Promise<void> }> {
  if (mode === 'hello') {
    const app = Fastify({ logger: false });
    app.get('/', async () => ({ hello: 'world' }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, close: () => app.close() };
  }
  if (mode === 'api') {
    if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS)
      throw new Error('http-server: api mode needs DATABASE_URL and TEMPORAL_ADDRESS');
    const api = await startApi({
      databaseUrl: config.DATABASE_URL,
      temporalAddress: config.TEMPORAL_ADDRESS,
      port: 0,
      host: '127.0.0.1',
      log: () => undefined,
    });
    return { url: api.url, close: () => api.close() };
  }
  throw new Error(`http-server: mode must be hello or api (got "${mode ?? ''}")`);
}

try {
  const server = await listen();
  process.once('disconnect', () => void server.close().finally(() => process.exit(0)));
  process.send!({ url: server.url });
} catch (err) {
  process.send!({ error: (err as Error).message });
  process.exit(1);
}
