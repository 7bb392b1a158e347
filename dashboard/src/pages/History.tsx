// History: cycles over time with filters, and for the selected cycle its phases, findings, actions,
// effects and audit entries, with a link to the workflow in the Temporal Web UI.
import { useState } from 'react';
import { CYCLE_KINDS } from '../../../engine/types';
import { api } from '../api';
import { Sparkline } from '../components/charts';
import { Async, Badge, Panel } from '../components/ui';
import { dateTime, duration, humanize, pct, score } from '../format';
import { usePoll } from '../hooks';
import type { ActionList, AuditEntry, CycleDetail, CycleList, Effect, Finding } from '../types';
import { ActionTable, FindingTable } from './Insights';

const PAGE = 25;

export function History({ selected, select }: { selected: string | null; select: (cycleId: string | null) => void }) {
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const qs = new URLSearchParams({
    limit: String(PAGE),
    offset: String(offset),
    ...(kind ? { kind } : {}),
    ...(status ? { status } : {}),
  });
  const cycles = usePoll(() => api<CycleList>(`/api/autonomous/cycles?${qs}`), 10_000, [kind, status, offset]);
  return (
    <div className="page history">
      <Panel
        title="Cycles"
        actions={
          <form className="filters" onSubmit={(e) => e.preventDefault()}>
            <label>
              Kind{' '}
              <select
                value={kind}
                onChange={(e) => {
                  setKind(e.target.value);
                  setOffset(0);
                }}
              >
                <option value="">all</option>
                {CYCLE_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {humanize(k)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Status{' '}
              <select
                value={status}
                onChange={(e) => {
                  setStatus(e.target.value);
                  setOffset(0);
                }}
              >
                <option value="">all</option>
                {['running', 'completed', 'failed'].map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          </form>
        }
      >
        <Async
          p={cycles}
          what="cycles"
          isEmpty={(d) => d.items.length === 0}
          empty={kind || status ? 'No cycles match these filters.' : 'No cycles yet: start one on the Controls page.'}
        >
          {(d) => (
            <>
              <div className="trend-strip" aria-hidden="true">
                <span className="small muted">health, this page (oldest → newest)</span>
                <Sparkline values={[...d.items].reverse().map((c) => c.healthScore)} label="health" width={300} />
              </div>
              <table className="table table-select" aria-label="Cycles">
                <thead>
                  <tr>
                    <th>Cycle</th>
                    <th>Kind</th>
                    <th>Status</th>
                    <th>Mode</th>
                    <th>Trigger</th>
                    <th>Started</th>
                    <th>Duration</th>
                    <th>Health</th>
                    <th>Alignment</th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((c) => (
                    <tr key={c.cycleId} className={selected === c.cycleId ? 'selected' : undefined}>
                      <td>
                        <button
                          type="button"
                          className="link mono"
                          aria-pressed={selected === c.cycleId}
                          onClick={() => select(c.cycleId)}
                        >
                          {c.cycleId}
                        </button>
                      </td>
                      <td>{humanize(c.kind)}</td>
                      <td>
                        <Badge status={c.status} />
                      </td>
                      <td>{c.dryRun ? 'dry run' : 'live'}</td>
                      <td className="small">
                        {c.trigger}
                        {c.requestedBy ? ` · ${c.requestedBy}` : ''}
                      </td>
                      <td className="small">{dateTime(c.startedAt)}</td>
                      <td className="small">{duration(c.startedAt, c.finishedAt)}</td>
                      <td>{score(c.healthScore)}</td>
                      <td>{pct(c.alignmentScore)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="pager">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={offset === 0}
                  onClick={() => setOffset(Math.max(0, offset - PAGE))}
                >
                  ← Newer
                </button>
                <span className="small muted">
                  {offset + 1}–{offset + d.items.length} of {d.total}
                </span>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={offset + PAGE >= d.total}
                  onClick={() => setOffset(offset + PAGE)}
                >
                  Older →
                </button>
              </div>
            </>
          )}
        </Async>
      </Panel>
      {selected && <CycleView cycleId={selected} onClose={() => select(null)} />}
    </div>
  );
}

function CycleView({ cycleId, onClose }: { cycleId: string; onClose: () => void }) {
  const id = encodeURIComponent(cycleId);
  const detail = usePoll(() => api<CycleDetail>(`/api/autonomous/cycles/${id}`), 5_000, [cycleId]);
  const running = detail.data?.status === 'running';
  const hist = usePoll(
    () => api<{ findings: Finding[]; effects: Effect[] }>(`/api/autonomous/history/cycles/${id}`),
    running ? 5_000 : 0,
    [cycleId, running],
  );
  const actions = usePoll(
    () => api<ActionList>(`/api/autonomous/cycles/${id}/actions?limit=200`),
    running ? 5_000 : 0,
    [cycleId, running],
  );
  const audit = usePoll(
    () => api<{ items: AuditEntry[]; nextAfterId: number | null }>(`/api/autonomous/cycles/${id}/audit?limit=500`),
    running ? 5_000 : 0,
    [cycleId, running],
  );
  return (
    <Panel
      title={
        <>
          Cycle <span className="mono">{cycleId}</span>
        </>
      }
      actions={
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      }
    >
      <Async p={detail} what="the cycle">
        {(c) => (
          <div className="cycle-head">
            <p>
              <Badge status={c.status} /> {c.kind ? humanize(c.kind) : ''} · {c.dryRun ? 'dry run' : 'live'} ·{' '}
              {c.trigger}
              {c.requestedBy ? ` by ${c.requestedBy}` : ''} · started {dateTime(c.startedAt)} · took{' '}
              {duration(c.startedAt, c.finishedAt)} · health {score(c.healthScore)} · alignment {pct(c.alignmentScore)}
            </p>
            {c.temporal?.uiUrl ? (
              <p>
                <a href={c.temporal.uiUrl} target="_blank" rel="noreferrer">
                  Open in the Temporal Web UI ↗
                </a>{' '}
                <span className="muted small">
                  ({c.temporal.workflowType}, {c.temporal.historyLength} events)
                </span>
              </p>
            ) : (
              <p className="muted small">Temporal does not know this workflow any more (or is unreachable).</p>
            )}
            {c.error && <p className="text-bad">{c.error}</p>}
            <ol className="stepper">
              {c.phases.map((p) => (
                <li key={p.name} className={`step step-${p.status}`}>
                  <span className="step-name">{p.name}</span>
                  <span className="step-status">
                    {p.status} · {duration(p.startedAt, p.finishedAt)}
                  </span>
                </li>
              ))}
            </ol>
          </div>
        )}
      </Async>
      <h3 className="subhead">Findings</h3>
      <Async p={hist} what="findings" isEmpty={(h) => h.findings.length === 0} empty="This cycle detected no findings.">
        {(h) => <FindingTable findings={h.findings} label="Findings of the cycle" />}
      </Async>
      <h3 className="subhead">Actions</h3>
      <Async p={actions} what="actions" isEmpty={(a) => a.items.length === 0} empty="This cycle planned no actions.">
        {(a) => <ActionTable actions={a.items} label="Actions of the cycle" />}
      </Async>
      <h3 className="subhead">Effects</h3>
      <Async
        p={hist}
        what="effects"
        isEmpty={(h) => h.effects.length === 0}
        empty="No effects: a dry run, or nothing passed the gates."
      >
        {(h) => (
          <table className="table" aria-label="Effects of the cycle">
            <thead>
              <tr>
                <th>Effect</th>
                <th>Port</th>
                <th>Target</th>
                <th>Status</th>
                <th>At</th>
              </tr>
            </thead>
            <tbody>
              {h.effects.map((e) => (
                <tr key={e.id}>
                  <td>{humanize(e.actionType)}</td>
                  <td>{e.port}</td>
                  <td className="small">{e.target}</td>
                  <td>
                    <Badge status={e.status} />
                  </td>
                  <td className="small">{dateTime(e.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      <h3 className="subhead">Audit log</h3>
      <Async p={audit} what="audit entries" isEmpty={(a) => a.items.length === 0} empty="No audit entries.">
        {(a) => (
          <div className="table-wrap table-scroll">
            <table className="table" aria-label="Audit entries of the cycle">
              <thead>
                <tr>
                  <th>#</th>
                  <th>At</th>
                  <th>Actor</th>
                  <th>Event</th>
                  <th>Target</th>
                </tr>
              </thead>
              <tbody>
                {a.items.map((x) => (
                  <tr key={x.id}>
                    <td className="small">{x.id}</td>
                    <td className="small">{dateTime(x.at)}</td>
                    <td className="small">{x.actor}</td>
                    <td>{x.event}</td>
                    <td className="small mono">{x.target ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {a.nextAfterId != null && <p className="small muted">Showing the first {a.items.length} entries.</p>}
          </div>
        )}
      </Async>
    </Panel>
  );
}
