// `npm run worker`: the production worker (worker/main.ts) on DATABASE_URL and TEMPORAL_ADDRESS, starting
// the embedded PostgreSQL and the Temporal dev server for whichever is unset, and stopping them after.
import { exitWithError } from '../platform/entrypoint';
import { runWorkerProcess } from '../worker/main';
import { ensureDevServers, type DevServers } from './lib/dev-servers';

const log = (m: string) => console.log(m);
let servers: DevServers;
try {
  servers = await ensureDevServers(log);
} catch (err) {
  exitWithError('[worker] failed to start:', err);
}
try {
  await runWorkerProcess(servers, log); // returns once the Temporal runtime has drained it on SIGINT/SIGTERM
} catch (err) {
  process.exitCode = 1;
  log(`[worker] failed: ${(err as Error).message}`);
} finally {
  await servers.stop();
}
