// `npx floyo-engine …`: the operator api from a terminal. Talks only to the api (FLOYO_API_URL,
// FLOYO_API_KEY or --url/--key) and parses its answers with the api's own zod schemas.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ActionDetailSchema, ActionPageSchema, ACTION_STATUSES, ACTION_TYPES } from '../api/schemas/actions';
import {
  CAMPAIGN_CONTROLS,
  CampaignControlAccepted,
  CampaignDetailSchema,
  CampaignListSchema,
  type CampaignControl,
} from '../api/schemas/campaigns';
import { ApprovalListSchema, BulkDecisionSchema, DecisionAcceptedSchema } from '../api/schemas/approvals';
import { CycleDetailSchema, ProgressSchema } from '../api/schemas/cycles';
import { FreezeItemSchema, FreezeListSchema, FreezeWindowInputSchema } from '../api/schemas/freezes';
import { StartedSchema } from '../api/schemas/runs';
import { ScheduleListSchema, ScheduleOpResultSchema } from '../api/schemas/schedules';
import { PHASES } from '../engine/types';
import { config, type Config } from '../platform/config';
import { ApiClient, CliError } from './api-client';
import { ProgressRenderer } from './progress';

export const USAGE = `floyo-engine — drive the Floyo Autonomous Engine through its api

Usage:
  floyo-engine cycle [--dry-run | --live] [--phases analyze,heal,...] [--full] [--wait]
  floyo-engine actions ls [--status awaiting_approval|executed|...] [--type T] [--limit N]
  floyo-engine actions show <actionId>
  floyo-engine actions approve <actionId> --reason "..."
  floyo-engine actions reject <actionId> --reason "..."
  floyo-engine campaigns ls [--status pending_approval,running,...] [--limit N]
  floyo-engine campaigns show <campaignId>
  floyo-engine campaigns approve|reject|pause|resume|cancel <campaignId> --reason "..."
  floyo-engine approvals ls                      pending approvals grouped by cycle and type
  floyo-engine approvals decide --approve|--reject --reason "..." [--type T] [--cycle C] [--ids a,b]
  floyo-engine schedules ls
  floyo-engine schedules pause|unpause|trigger <scheduleId> [--note "..."]
  floyo-engine freezes ls
  floyo-engine freezes add --name "..." --reason "..." --timezone <IANA zone>
                           (--from <ISO time> --until <ISO time> | --cron "0 18 * * 5" --duration 60h)
  floyo-engine freezes rm <id>

Options:
  --url <url>   the api (default FLOYO_API_URL, else http://127.0.0.1:3000)
  --key <key>   an API key (default FLOYO_API_KEY, else .data/dev-admin-key of a local npm start)
  --json        print the api's JSON instead of a table
  --full        (cycle) rebuild the event rollups from scratch before analyzing
  -h, --help

Exit codes: 0 done, 1 failed (or the cycle failed), 2 bad usage, 3 key rejected or role too low.`;

export interface CliIo {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  /** FLOYO_API_URL and FLOYO_API_KEY (platform/config.ts). */
  config: Pick<Config, 'FLOYO_API_URL' | 'FLOYO_API_KEY'>;
  cwd: string;
  /** Poll interval while waiting for a cycle; default 1000 ms. */
  pollMs?: number;
}

const PHASE_LIST = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(PHASES)).min(1, 'name at least one phase'));

function defaultKey(io: CliIo): string | null {
  if (io.config.FLOYO_API_KEY) return io.config.FLOYO_API_KEY;
  const file = path.join(io.cwd, '.data', 'dev-admin-key');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null;
}

function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function usage(message: string): never {
  throw new CliError(`${message}\n\n${USAGE}`, 2);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: {
        url: { type: 'string' };
        key: { type: 'string' };
        json: { type: 'boolean' };
        help: { type: 'boolean'; short: 'h' };
        'dry-run': { type: 'boolean' };
        live: { type: 'boolean' };
        phases: { type: 'string' };
        wait: { type: 'boolean' };
        full: { type: 'boolean' };
        status: { type: 'string' };
        type: { type: 'string' };
        limit: { type: 'string' };
        reason: { type: 'string' };
        note: { type: 'string' };
        name: { type: 'string' };
        timezone: { type: 'string' };
        from: { type: 'string' };
        until: { type: 'string' };
        cron: { type: 'string' };
        duration: { type: 'string' };
        cycle: { type: 'string' };
        ids: { type: 'string' };
        approve: { type: 'boolean' };
        reject: { type: 'boolean' };
      };
      allowPositionals: true;
      strict: true;
      args: string[];
    }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'dry-run': { type: 'boolean' },
        live: { type: 'boolean' },
        phases: { type: 'string' },
        wait: { type: 'boolean' },
        full: { type: 'boolean' },
        status: { type: 'string' },
        type: { type: 'string' },
        limit: { type: 'string' },
        reason: { type: 'string' },
        note: { type: 'string' },
        name: { type: 'string' },
        timezone: { type: 'string' },
        from: { type: 'string' },
        until: { type: 'string' },
        cron: { type: 'string' },
        duration: { type: 'string' },
        cycle: { type: 'string' },
        ids: { type: 'string' },
        approve: { type: 'boolean' },
        reject: { type: 'boolean' },
      },
    });
  } catch (err) {
    usage((err as Error).message);
  }
  const { values: o, positionals } = parsed;
  if (o.help || positionals.length === 0) {
    io.out.write(`${USAGE}\n`);
    return positionals.length === 0 && !o.help ? 2 : 0;
  }
  const api = new ApiClient({
    baseUrl: o.url ?? io.config.FLOYO_API_URL,
    key: o.key ?? defaultKey(io),
  });
  const print = (v: unknown, text: () => string) => io.out.write(`${o.json ? JSON.stringify(v, null, 2) : text()}\n`);
  const [group, verb, id] = positionals;

  if (group === 'cycle') {
    if (o['dry-run'] && o.live) usage('--dry-run and --live exclude each other');
    const phases = o.phases === undefined ? undefined : PHASE_LIST.safeParse(o.phases);
    if (phases && !phases.success) usage(`--phases: ${phases.error.issues[0]?.message ?? 'invalid'}`);
    const started = await api.request('POST', '/api/autonomous/run-cycle', StartedSchema, {
      dryRun: !o.live,
      ...(phases?.success ? { phases: phases.data } : {}),
      ...(o.full ? { full: true } : {}),
    });
    if (!o.wait) {
      print(
        started,
        () =>
          `Started ${started.dryRun ? 'dry-run' : 'LIVE'} cycle ${started.cycleId}${started.links.temporalUi ? `\n  ${started.links.temporalUi}` : ''}`,
      );
      return 0;
    }
    if (!o.json)
      io.out.write(
        `Cycle ${started.cycleId} (${started.dryRun ? 'dry-run' : 'LIVE'})${started.links.temporalUi ? ` — ${started.links.temporalUi}` : ''}\n`,
      );
    const renderer = new ProgressRenderer(io.out);
    const self = `/api/autonomous/cycles/${encodeURIComponent(started.cycleId)}`;
    for (;;) {
      const [progress, detail] = await Promise.all([
        api.request('GET', `${self}/progress`, ProgressSchema),
        api.request('GET', self, CycleDetailSchema),
      ]);
      if (!o.json) renderer.render(detail.status === 'running' ? progress.phases : detail.phases);
      if (detail.status !== 'running') {
        if (o.json) io.out.write(`${JSON.stringify(detail, null, 2)}\n`);
        else {
          const scores =
            detail.healthScore !== null
              ? `  health ${detail.healthScore}, alignment ${detail.alignmentScore ?? '–'}`
              : '';
          io.out.write(`Cycle ${detail.status}${scores}${detail.error ? `\n  error: ${detail.error}` : ''}\n`);
        }
        return detail.status === 'completed' ? 0 : 1;
      }
      await sleep(io.pollMs ?? 1000);
    }
  }

  if (group === 'actions') {
    if (verb === 'ls' || verb === 'list') {
      const q = new URLSearchParams();
      if (o.status) {
        if (![...ACTION_STATUSES, 'awaiting_approval'].includes(o.status))
          usage(`--status must be one of awaiting_approval, ${ACTION_STATUSES.join(', ')}`);
        q.set('status', o.status);
      }
      if (o.type) {
        if (!(ACTION_TYPES as readonly string[]).includes(o.type))
          usage(`--type must be one of ${ACTION_TYPES.join(', ')}`);
        q.set('type', o.type);
      }
      q.set('limit', o.limit ?? '50');
      const page = await api.request('GET', `/api/autonomous/actions?${q.toString()}`, ActionPageSchema);
      print(page, () => {
        if (!page.items.length) return `No actions${o.status ? ` with status ${o.status}` : ''}.`;
        const rows = [['ACTION', 'TYPE', 'TARGET', 'CONF', 'STATUS', 'DEADLINE / CREATED']];
        for (const a of page.items) {
          rows.push([
            a.actionId,
            a.type,
            `${a.targetType}:${a.targetId}`,
            a.confidence.toFixed(2),
            a.status,
            a.approvalDeadline ?? a.createdAt,
          ]);
        }
        return `${table(rows)}\n${page.items.length} of ${page.total}`;
      });
      return 0;
    }
    if (verb === 'show') {
      if (!id) usage('actions show needs an action id');
      const a = await api.request('GET', `/api/autonomous/actions/${encodeURIComponent(id)}`, ActionDetailSchema);
      print(a, () =>
        [
          `${a.actionId}  ${a.type} → ${a.targetType}:${a.targetId}  (${a.status}${a.dryRun ? ', dry-run' : ''})`,
          `  confidence ${a.confidence.toFixed(3)} (detection ${a.detectionConfidence.toFixed(3)}), mode ${a.mode}`,
          ...a.gates.map((g) => `  gate ${g.passed ? 'pass' : 'FAIL'}  ${g.gate}: ${g.reason}`),
          a.approval
            ? `  approval ${a.approval.status}, deadline ${a.approval.deadline}${a.approval.decidedBy ? `, by ${a.approval.decidedBy}: ${a.approval.reason}` : ''}`
            : '  no approval',
          ...a.effects.map((e) => `  effect ${e.status}  ${e.port} ${e.target}`),
        ].join('\n'),
      );
      return 0;
    }
    if (verb === 'approve' || verb === 'reject') {
      if (!id) usage(`actions ${verb} needs an action id`);
      if (!o.reason) usage(`actions ${verb} needs --reason "why" (it is recorded in the audit log)`);
      const r = await api.request(
        'POST',
        `/api/autonomous/actions/${encodeURIComponent(id)}/${verb}`,
        DecisionAcceptedSchema,
        { reason: o.reason },
      );
      print(
        r,
        () =>
          `${verb === 'approve' ? 'Approved' : 'Rejected'} ${r.actionId} as ${r.operator}: the approval workflow ${r.workflowId} got the signal.`,
      );
      return 0;
    }
    usage(`unknown actions command '${verb ?? ''}'`);
  }

  if (group === 'campaigns') {
    if (verb === 'ls' || verb === 'list') {
      const q = new URLSearchParams();
      if (o.status) q.set('status', o.status);
      q.set('limit', o.limit ?? '50');
      const list = await api.request('GET', `/api/autonomous/campaigns?${q.toString()}`, CampaignListSchema);
      print(list, () => {
        if (!list.items.length) return `No campaigns${o.status ? ` with status ${o.status}` : ''}.`;
        return table([
          ['CAMPAIGN', 'STATUS', 'RECIPIENTS', 'WAVE', 'EXPECTED'],
          ...list.items.map((c) => [
            c.id,
            c.status,
            String(c.recipients),
            c.progress.waves ? `${c.progress.wave ?? 0}/${c.progress.waves}` : '–',
            String((c.expectedImpact as { expectedSuccesses?: number }).expectedSuccesses ?? '–'),
          ]),
        ]);
      });
      return 0;
    }
    if (verb === 'show') {
      if (!id) usage('campaigns show needs a campaign id (campaigns ls lists them)');
      const c = await api.request('GET', `/api/autonomous/campaigns/${encodeURIComponent(id)}`, CampaignDetailSchema);
      print(c, () =>
        [
          `${c.id}  ${c.type}  (${c.status}${c.dryRun ? ', dry-run' : ''})${c.statusReason ? `: ${c.statusReason}` : ''}`,
          `  cohort: ${c.cohort.definition} (moves ${c.cohort.kpi})`,
          `  ${c.size} targets → ${c.recipients} recipients, ${c.heldOut} held out` +
            (Object.keys(c.excluded).length
              ? `, left out: ${Object.entries(c.excluded)
                  .map(([g, n]) => `${g} ${n}`)
                  .join(', ')}`
              : ''),
          `  ramp ${c.ramp.map((r) => `${Math.round(r * 100)}%`).join(' → ')}; progress ${c.progress.wave ?? 0}/${c.progress.waves ?? c.ramp.length} waves, ${c.progress.executed ?? 0} sent, ${c.progress.failed ?? 0} failed`,
          ...(c.preview.message?.subject ? [`  message: ${c.preview.message.subject}`] : []),
          ...(c.preview.recipients ?? []).slice(0, 5).map((r) => `  to user ${r.userId} ${r.email ?? ''}`),
          `  actions: ${Object.entries(c.counts)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ')}`,
        ].join('\n'),
      );
      return 0;
    }
    if ((CAMPAIGN_CONTROLS as readonly string[]).includes(verb ?? '')) {
      const control = verb as CampaignControl;
      if (!id) usage(`campaigns ${control} needs a campaign id (campaigns ls lists them)`);
      if (!o.reason) usage(`campaigns ${control} needs --reason "why" (it is recorded in the audit log)`);
      const r = await api.request(
        'POST',
        `/api/autonomous/campaigns/${encodeURIComponent(id)}/${control}`,
        CampaignControlAccepted,
        { reason: o.reason },
      );
      print(r, () => `Sent ${control} to ${r.workflowId} as ${r.operator}.`);
      return 0;
    }
    usage(`unknown campaigns command '${verb ?? ''}'`);
  }

  if (group === 'approvals') {
    if (verb === 'ls' || verb === 'list') {
      const list = await api.request('GET', '/api/autonomous/approvals?limit=1', ApprovalListSchema);
      print(list.groups, () =>
        list.groups.length
          ? `${table([
              ['CYCLE', 'TYPE', 'PENDING', 'QUORUM', 'NEXT DEADLINE'],
              ...list.groups.map((g) => [g.cycleId, g.type, String(g.count), String(g.needQuorum), g.nextDeadline]),
            ])}\n${list.total} pending`
          : 'Nothing awaits approval.',
      );
      return 0;
    }
    if (verb === 'decide') {
      if (o.approve === o.reject) usage('approvals decide needs exactly one of --approve, --reject');
      if (!o.reason) usage('approvals decide needs --reason "why" (it is recorded for every approval it decides)');
      const ids = o.ids
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      if (!o.type && !o.cycle && !ids?.length) usage('approvals decide needs a filter: --type, --cycle and/or --ids');
      const r = await api.request('POST', '/api/autonomous/approvals/decide', BulkDecisionSchema, {
        decision: o.approve ? 'approve' : 'reject',
        reason: o.reason,
        filter: {
          ...(o.type ? { type: o.type } : {}),
          ...(o.cycle ? { cycleId: o.cycle } : {}),
          ...(ids?.length ? { actionIds: ids } : {}),
        },
      });
      print(r, () =>
        [
          `${r.decision === 'approve' ? 'Approve' : 'Reject'} signaled to ${r.signaled} of ${r.matched} matching approval(s) as ${r.operator}.`,
          ...r.skipped.map((k) => `  skipped ${k.actionId} (${k.status}): ${k.reason}`),
        ].join('\n'),
      );
      return r.skipped.length && !r.signaled ? 1 : 0;
    }
    usage(`unknown approvals command '${verb ?? ''}'`);
  }

  if (group === 'schedules') {
    if (verb === 'ls' || verb === 'list') {
      const list = await api.request('GET', '/api/autonomous/schedules', ScheduleListSchema);
      print(list, () =>
        table([
          ['SCHEDULE', 'STATE', 'NEXT RUN', 'RUNS'],
          ...list.items.map((s) => [
            s.scheduleId,
            !s.exists ? 'missing' : s.paused ? 'paused' : 'active',
            s.nextActionTimes[0] ?? '–',
            String(s.numActionsTaken ?? 0),
          ]),
        ]),
      );
      return 0;
    }
    if (verb === 'pause' || verb === 'unpause' || verb === 'trigger') {
      if (!id) usage(`schedules ${verb} needs a schedule id (schedules ls lists them)`);
      const r = await api.request(
        'POST',
        `/api/autonomous/schedules/${encodeURIComponent(id)}/${verb}`,
        ScheduleOpResultSchema,
        o.note ? { note: o.note } : {},
      );
      print(
        r,
        () =>
          `${verb === 'trigger' ? 'Triggered' : verb === 'pause' ? 'Paused' : 'Resumed'} ${r.scheduleId} (now ${r.schedule.paused ? 'paused' : 'active'}).`,
      );
      return 0;
    }
    usage(`unknown schedules command '${verb ?? ''}'`);
  }

  if (group === 'freezes') {
    if (verb === 'ls' || verb === 'list') {
      const list = await api.request('GET', '/api/freezes', FreezeListSchema);
      print(list, () => {
        const head = list.active ? `ACTIVE: ${list.active.message}\n` : 'No change freeze in force.\n';
        if (!list.items.length) return `${head}No change freezes defined.`;
        const next = new Map<number, string>();
        for (const u of list.upcoming) if (!next.has(u.id)) next.set(u.id, `${u.startsAt} → ${u.endsAt}`);
        return (
          head +
          table([
            ['ID', 'NAME', 'WHEN', 'ZONE', 'NEXT', 'REASON'],
            ...list.items.map((f) => [
              String(f.id),
              f.name,
              f.kind === 'one_off' ? `${f.startsAt} → ${f.endsAt}` : `cron "${f.cron}" for ${f.durationMinutes} min`,
              f.timezone,
              next.get(f.id) ?? '–',
              f.reason,
            ]),
          ])
        );
      });
      return 0;
    }
    if (verb === 'add') {
      const duration = o.duration === undefined ? undefined : minutesOf(o.duration);
      const input = FreezeWindowInputSchema.safeParse(
        o.cron !== undefined || o.duration !== undefined
          ? {
              kind: 'recurring',
              name: o.name,
              reason: o.reason,
              timezone: o.timezone ?? 'UTC',
              cron: o.cron,
              durationMinutes: duration,
            }
          : {
              kind: 'one_off',
              name: o.name,
              reason: o.reason,
              timezone: o.timezone ?? 'UTC',
              startsAt: o.from,
              endsAt: o.until,
            },
      );
      if (!input.success) {
        // One line: the first problem, named by its option.
        const issue = input.error.issues[0]!;
        const field = String(issue.path[0] ?? '');
        throw new CliError(`freezes add: --${OPTION_OF[field] ?? field}: ${issue.message}`, 2);
      }
      const r = await api.request('POST', '/api/freezes', FreezeItemSchema, input.data);
      print(r, () => `Added change freeze ${r.item.id} '${r.item.name}' (${r.item.timezone}).`);
      return 0;
    }
    if (verb === 'rm' || verb === 'remove') {
      if (!id || !/^\d+$/.test(id))
        throw new CliError('freezes rm needs a numeric freeze id (freezes ls lists them)', 2);
      const r = await api.request('DELETE', `/api/freezes/${id}`, FreezeItemSchema);
      print(r, () => `Removed change freeze ${r.item.id} '${r.item.name}'.`);
      return 0;
    }
    usage(`unknown freezes command '${verb ?? ''}'`);
  }

  usage(`unknown command '${group}'`);
}

/** The CLI option behind each field of a freeze window. */
const OPTION_OF: Record<string, string> = {
  startsAt: 'from',
  endsAt: 'until',
  durationMinutes: 'duration',
  name: 'name',
  reason: 'reason',
  timezone: 'timezone',
  cron: 'cron',
};

/** "90", "90m", "36h", "2d" → minutes; anything else NaN, which the schema then names. */
function minutesOf(s: string): number {
  const m = /^(\d+)\s*([mhd]?)$/.exec(s.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * ({ '': 1, m: 1, h: 60, d: 1440 } as const)[m[2] as '' | 'm' | 'h' | 'd'];
}

/** Entry point: runs and exits with the command's code; CliErrors print their message only. */
export async function main(): Promise<void> {
  const io: CliIo = { out: process.stdout, err: process.stderr, config, cwd: process.cwd() };
  try {
    process.exitCode = await run(process.argv.slice(2), io);
  } catch (err) {
    if (err instanceof CliError) {
      io.err.write(`floyo-engine: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      io.err.write(`floyo-engine: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  }
}
