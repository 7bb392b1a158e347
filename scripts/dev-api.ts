// `npm run api`: the production api (api/server.ts) on DATABASE_URL and TEMPORAL_ADDRESS, starting the
// embedded PostgreSQL and the Temporal dev server for whichever is unset, and stopping them after it closes.
import { runApiProcess } from '../api/server';
import { exitWithError } from '../platform/entrypoint';
import { ensureDevServers } from './lib/dev-servers';

const log = (m: string) => console.log(`[api] ${m}`);
try {
  const servers = await ensureDevServers(log);
  await runApiProcess(servers, () => servers.stop()).catch(async (err: unknown) => {
    await servers.stop();
    throw err;
  });
} catch (err) {
  exitWithError('[api] failed to start:', err);
}
