// `npm run tools:install`: builds (once) the pinned Go tools the adapter tests run against and prints their paths.
import { ensureGoTool } from './lib/go-tool';
import { MAILPIT } from './lib/mailpit';
import { STRIPE_MOCK } from './lib/stripe-mock';

try {
  for (const tool of [STRIPE_MOCK, MAILPIT]) console.log(await ensureGoTool(tool, (m) => console.log(m)));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
