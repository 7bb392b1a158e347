// `npm run temporal:install`: finds or builds the pinned Temporal CLI and prints its path.
import { loadDevConfig } from './lib/dev-config';
import { resolveTemporalCli } from './lib/temporal-cli';

try {
  console.log(await resolveTemporalCli(loadDevConfig(), (m) => console.log(m)));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
