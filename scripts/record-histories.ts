// `npx tsx scripts/record-histories.ts`: records fresh workflow histories for the replay test
// (test/replay/histories/) from real runs: a dry-run and a live cycle, the single-purpose runs, the
// monitor, the outbox relay, and an approval that was approved, one rejected and one expired (with Slack on, answered by a local
// stand-in for Slack's Web API, so the post / reminder / update steps are in them). The approved one needs two
// approvers and sees a self-approval and a repeated vote refused; the expired one is escalated before it expires. Run it when a workflow
// changes on purpose; keep the old histories too, so in-flight runs stay replayable.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { actionIdsOfCycle } from '../db/repos/actions';
import { approvalActionIds, pendingApprovalWorkflowIds } from '../db/repos/approvals';
import { setPolicy } from '../db/repos/config';
import { createSlackApi } from '../activities/slack/web-api';
import { approvalReminderLeads } from '../engine/approvals/reminder-leads';
import { autonomousCycle, autoRemediate, monitorAndRespond, outboxRelay, selfHeal, selfOptimize } from '../workflows';
import { approvalWorkflowId } from '../workflows/definitions';
import { startEngineWorker } from '../worker/compose';
import { ensureDatabase, ensurePostgres } from './lib/postgres';
import { repoRoot } from '../platform/paths';
import { ensureTemporal } from './lib/temporal-server';
import { seedDemoData } from './seed/generate';

const log = (m: string) => console.log(m);
// Per process: another checkout may be recording on the same PostgreSQL at the same time.
const DB_NAME = `floyo_record_histories_${process.pid}`;
const NOW = '2026-11-20T12:00:00.000Z';
const outDir = path.join(repoRoot, 'test', 'replay', 'histories');

const pg = await ensurePostgres({ log, database: 'postgres' });
const temporal = await ensureTemporal({ log });
const admin = createDb(pg.adminUrl, { poolMax: 1 });
await admin.raw(`drop database if exists ${DB_NAME} with (force)`);
await admin.destroy();
await ensureDatabase(pg.adminUrl, DB_NAME);
const url = new URL(pg.adminUrl);
url.pathname = `/${DB_NAME}`;
const db = createDb(url.toString());
await migrateLatest(db);
await seedDemoData(db, { users: 800, seed: 1, now: new Date(NOW) });

// Slack's Web API, as far as the approval workflow needs it: every call succeeds with a fresh ts.
let slackTs = 0;
const slackStandIn = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, channel: 'C0RECORD', ts: `1763640000.${String(++slackTs).padStart(6, '0')}` }));
  });
});
await new Promise<void>((resolve) => slackStandIn.listen(0, '127.0.0.1', resolve));
const slackUrl = `http://127.0.0.1:${(slackStandIn.address() as AddressInfo).port}/api/`;

const taskQueue = `record-histories-${Date.now()}`;
const worker = await startEngineWorker({
  db,
  temporalAddress: temporal.address,
  namespace: temporal.namespace,
  taskQueue,
  log,
  ensureSchedules: false,
  slack: {
    api: createSlackApi({ token: 'xoxb-record-histories', apiBase: slackUrl }),
    channel: '#approvals',
    workspaceUrl: 'https://slack.com',
    approvalsUrl: 'http://127.0.0.1:3000/approvals',
  },
  // The expiring approval waits 1 s: remind halfway, so the reminder is in its history too.
  slackReminderLeads: (timeout) => (timeout < 60 ? [timeout / 2] : approvalReminderLeads(timeout)),
});
const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection, namespace: temporal.namespace });
const stamp = Date.now().toString(36);

async function save(workflowId: string, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  fs.writeFileSync(path.join(outDir, `${name}.json`), historyToJSON(history));
  log(`recorded ${name} (${history.events?.length ?? 0} events)`);
}

async function run(workflow: Workflow, name: string, input: Record<string, unknown>): Promise<string> {
  const workflowId = `record-${name}-${stamp}`;
  await client.workflow.execute(workflow, {
    workflowId,
    taskQueue,
    args: [{ trigger: 'cli', requestedBy: 'record-histories', now: NOW, ...input }],
  });
  await save(workflowId, name);
  return workflowId;
}

async function reviews(cycleId: string): Promise<string[]> {
  return actionIdsOfCycle(db, cycleId, 'data_fix_review');
}

try {
  await run(autonomousCycle, 'autonomous-cycle-dry-run', { dryRun: true });
  await run(autoRemediate, 'auto-remediate-dry-run', { dryRun: true });
  await run(selfOptimize, 'self-optimize-dry-run', { dryRun: true });
  await run(selfHeal, 'self-heal-dry-run', { dryRun: true });
  await run(monitorAndRespond, 'monitor-dry-run', { dryRun: true });
  // The recorder's worker runs MESSENGER=outbox: one batch that finds no transport. The histories of a relay that
  // delivered, retried and slept come from the relay tests' runs (scripts/export-history.ts).
  await run(outboxRelay, 'outbox-relay-no-transport', {});

  // Five seconds: the reminder (halfway) and the escalation (at 80%) both fall inside the wait.
  await setPolicy(db, 'approval', { deadlineHours: 5 / 3600 }, 'record-histories', 'expire at once');
  const expiring = await run(autonomousCycle, 'autonomous-cycle-live-heal', {
    dryRun: false,
    phases: ['analyze', 'heal'],
  });
  const [expiredId] = await reviews(expiring);
  if (!expiredId) throw new Error('no approval was queued: cannot record approval histories');
  for (const id of await approvalActionIds(db)) await client.workflow.getHandle(approvalWorkflowId(id)).result();
  await save(approvalWorkflowId(expiredId), 'action-approval-slack-expired');

  await setPolicy(db, 'approval', { deadlineHours: 72 }, 'record-histories', 'normal deadline');
  // Every review touches records of at least one user: each needs two approvers.
  await setPolicy(
    db,
    'approval_quorum',
    { approvers: 2, whenUsersAtLeast: 1, whenMrrCentsAtLeast: 100_000_000 },
    'record-histories',
    'two approvers',
  );
  const live = `record-live-2-${stamp}`;
  await client.workflow.execute(autonomousCycle, {
    workflowId: live,
    taskQueue,
    args: [{ dryRun: false, trigger: 'cli', requestedBy: 'carol', now: NOW, phases: ['analyze', 'heal'] }],
  });
  const pending = await approvalActionIds(db, { pendingOf: { cycleId: live, type: 'data_fix_review' } });
  const [approveId, rejectId] = pending;
  if (!approveId || !rejectId) throw new Error('fewer than two pending reviews: cannot record approve/reject');
  const approving = client.workflow.getHandle(approvalWorkflowId(approveId));
  // carol started the run (refused), alice approves, alice again (refused), bob approves: executed.
  await approving.signal('approve', { operator: 'carol', reason: 'my own run' });
  await approving.signal('approve', { operator: 'alice', reason: 'recorded for replay' });
  await approving.signal('approve', { operator: 'alice', reason: 'once more' });
  await approving.signal('approve', { operator: 'bob', reason: 'second approver' });
  await approving.result();
  await save(approvalWorkflowId(approveId), 'action-approval-slack-approved');
  await client.workflow
    .getHandle(approvalWorkflowId(rejectId))
    .signal('reject', { operator: 'bob', reason: 'recorded for replay' });
  await client.workflow.getHandle(approvalWorkflowId(rejectId)).result();
  await save(approvalWorkflowId(rejectId), 'action-approval-slack-rejected');
} finally {
  const open = await pendingApprovalWorkflowIds(db);
  await Promise.all(
    open.map((id) =>
      client.workflow
        .getHandle(id)
        .terminate('recording finished')
        .catch(() => undefined),
    ),
  );
  await worker.shutdown();
  slackStandIn.close();
  await connection.close();
  await db.destroy();
  const cleanup = createDb(pg.adminUrl, { poolMax: 1 });
  await cleanup.raw(`drop database if exists ${DB_NAME} with (force)`);
  await cleanup.destroy();
  await temporal.stop();
  await pg.stop();
}
