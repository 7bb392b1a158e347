// Issues (severity, confidence, evidence, first/last seen, the alerts sent about each), the alert channels' health,
// opportunities with the expected impact of their planned actions, the latest cycle's recommendations, the autonomy
// ladder, and the engine's decisions with rationale.
import { api } from '../api';
import { AlertChannels, FindingAlerts } from '../components/alerts';
import { AutonomyLadderPanel } from '../components/autonomy-ladder';
import { Async, Badge, Panel } from '../components/ui';
import { dateTime, humanize, pct, relative, summarize } from '../format';
import { usePoll } from '../hooks';
import type { Action, Decision, Finding, SystemState } from '../types';

export function Insights() {
  const state = usePoll(() => api<SystemState>('/api/autonomous/system-state'), 15_000);
  const opps = usePoll(
    () =>
      api<{ opportunities: Finding[]; plannedActions: Action[]; plannedActionsTotal: number }>(
        '/api/autonomous/optimization-opportunities',
      ),
    20_000,
  );
  const decisions = usePoll(() => api<{ items: Decision[] }>('/api/autonomous/decisions?limit=20'), 20_000);
  return (
    <div className="page">
      <Panel title="Open issues">
        <Async
          p={state}
          what="issues"
          isEmpty={(s) => s.issues.length === 0}
          empty="No open issues: the latest analysis found nothing wrong."
        >
          {(s) => <FindingTable findings={s.issues} label="Open issues" />}
        </Async>
      </Panel>
      <Panel title="Alert channels">
        <AlertChannels />
      </Panel>
      <Panel title="Opportunities">
        <Async
          p={opps}
          what="opportunities"
          isEmpty={(o) => o.opportunities.length === 0 && o.plannedActions.length === 0}
          empty="No open opportunities."
        >
          {(o) => (
            <>
              {o.opportunities.length > 0 && <FindingTable findings={o.opportunities} label="Opportunities" />}
              {o.plannedActions.length > 0 && (
                <>
                  <h3 className="subhead">Planned optimizations and their expected impact ({o.plannedActionsTotal})</h3>
                  <ActionTable actions={o.plannedActions} label="Planned optimizations" />
                </>
              )}
            </>
          )}
        </Async>
      </Panel>
      <Panel title="Recommendations">
        <Async
          p={state}
          what="recommendations"
          isEmpty={(s) => s.recommendations.length === 0}
          empty="No recommendations in the latest cycle."
        >
          {(s) => <ActionTable actions={s.recommendations} label="Recommendations" />}
        </Async>
      </Panel>
      <AutonomyLadderPanel />
      <Panel title="Decisions">
        <Async
          p={decisions}
          what="decisions"
          isEmpty={(d) => d.items.length === 0}
          empty="No decisions yet: the decide phase records them."
        >
          {(d) => (
            <ul className="list decisions">
              {d.items.map((x) => (
                <li key={x.id}>
                  <div>
                    <strong>{x.title}</strong> <span className="tag">{humanize(x.kind)}</span>{' '}
                    <span className="muted small">
                      confidence {pct(x.confidence)} · {dateTime(x.createdAt)}
                    </span>
                  </div>
                  <p className="rationale">{x.rationale}</p>
                </li>
              ))}
            </ul>
          )}
        </Async>
      </Panel>
    </div>
  );
}

export function FindingTable({ findings, label }: { findings: Finding[]; label: string }) {
  return (
    <div className="table-wrap table-scroll">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Finding</th>
            <th>Confidence</th>
            <th>Evidence</th>
            <th>First seen</th>
            <th>Last seen</th>
            <th>Alerts</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={f.id}>
              <td>
                <Badge status={f.severity} />
              </td>
              <td>
                <strong>{f.title}</strong>
                <div className="muted small">
                  {f.detector} · {humanize(f.kind)}
                  {f.occurrences > 1 ? ` · seen in ${f.occurrences} cycles` : ''}
                </div>
              </td>
              <td>{pct(f.confidence)}</td>
              <td className="small evidence">{summarize(f.cycleEvidence ?? f.evidence)}</td>
              <td className="small" title={f.firstSeenAt}>
                {relative(f.firstSeenAt)}
              </td>
              <td className="small" title={f.lastSeenAt}>
                {relative(f.lastSeenAt)}
              </td>
              <td>
                <FindingAlerts findingId={f.id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ActionTable({ actions, label }: { actions: Action[]; label: string }) {
  return (
    <div className="table-wrap table-scroll">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th>Action</th>
            <th>Target</th>
            <th>Confidence</th>
            <th>Expected impact</th>
            <th>Status and reason</th>
          </tr>
        </thead>
        <tbody>
          {actions.map((a) => (
            <tr key={a.actionId}>
              <td>
                <strong>{humanize(a.type)}</strong>
                <div className="muted small">
                  {a.phase} · {humanize(a.mode)}
                </div>
              </td>
              <td className="small">
                {a.targetType} {a.targetId}
              </td>
              <td>{pct(a.confidence)}</td>
              <td className="small">{summarize(a.expectedImpact) || '—'}</td>
              <td>
                <Badge status={a.status} />
                <div className="small">{a.statusReason ?? ''}</div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
