// `npm run contract -- check`: compares schema `app` of DATABASE_URL (or the embedded dev database) with the
// data contract; one line per gap, exit 0 when the required columns are all there, 1 otherwise.
import { parseArgs } from 'node:util';
import { APP_CONTRACT } from '../db/contract';
import { contractGaps } from '../db/contract-gaps';
import { createDb } from '../db/knex';
import { listAppColumns } from '../db/queries/app-columns';
import { ensurePostgres } from './lib/postgres';

const USAGE = 'usage: npm run contract -- check';

let parsed: ReturnType<
  typeof parseArgs<{ options: { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true }>
>;
try {
  parsed = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
} catch (err) {
  console.error(`${(err as Error).message}; ${USAGE}`);
  process.exit(2);
}
if (parsed.values.help) {
  console.log(`${USAGE}\n  checks that schema app has every column of the data contract with a compatible type`);
  process.exit(0);
}
if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'check') {
  console.error(`unknown command ${JSON.stringify(parsed.positionals.join(' '))}; ${USAGE}`);
  process.exit(2);
}

// Connection notices go to stderr so that stdout is exactly the report.
const pgHandle = await ensurePostgres({ log: (m) => console.error(m) });
const db = createDb(pgHandle.url);
try {
  const gaps = contractGaps(APP_CONTRACT, await listAppColumns(db));
  for (const g of gaps) console.log(g.line);
  const failing = gaps.filter((g) => g.required).length;
  const columns = Object.values(APP_CONTRACT).reduce((n, t) => n + Object.keys(t).length, 0);
  console.log(
    failing
      ? `${failing} gap${failing === 1 ? '' : 's'} between schema app and the data contract`
      : `schema app meets the data contract (${Object.keys(APP_CONTRACT).length} tables, ${columns} columns)`,
  );
  process.exitCode = failing ? 1 : 0;
} finally {
  await db.destroy();
  await pgHandle.stop();
}
