// `npx tsx scripts/export-history.ts <workflowId> <name>`: saves a finished workflow's history to
// test/replay/histories/<name>.json, where the replay test checks that today's workflow code still
// replays it. Record one whenever a workflow changes shape on purpose (and keep the old ones).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { repoRoot } from '../platform/paths';
import { config } from '../platform/config';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { loadDevConfig } from './lib/dev-config';

const USAGE = 'usage: npx tsx scripts/export-history.ts <workflowId> <name: lower-case letters, digits, dashes>';
let positionals: string[];
try {
  ({ positionals } = parseArgs({ args: process.argv.slice(2), options: {}, allowPositionals: true, strict: true }));
} catch (err) {
  console.error(`export-history: ${(err as Error).message.split('\n')[0]}\n${USAGE}`);
  process.exit(2);
}
const [workflowId, name, ...extra] = positionals;
if (!workflowId || !name || extra.length || !/^[a-z0-9-]+$/.test(name)) {
  console.error(USAGE);
  process.exit(2);
}
const cfg = loadDevConfig();
const address = config.TEMPORAL_ADDRESS ?? `${cfg.server.ip}:${cfg.server.grpcPort}`;
const connection = await Connection.connect({ address, ...temporalConnectionOptions() });
try {
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const file = path.join(repoRoot, 'test', 'replay', 'histories', `${name}.json`);
  fs.writeFileSync(file, historyToJSON(history));
  console.log(`wrote ${path.relative(process.cwd(), file)} (${history.events?.length ?? 0} events)`);
} finally {
  await connection.close();
}
