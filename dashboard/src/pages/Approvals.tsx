// The approval queue: actions the gates sent to an operator, with the gate's reason and the deadline.
// Approve or reject with a reason (signals the action's approval workflow); the list polls, so decided
// actions move to "Recently decided" without a reload.
import { useState } from 'react';
import { api, ApiError, can, type Role } from '../api';
import { CampaignsPanel } from '../components/campaigns';
import { Async, Badge, ErrorState, Panel } from '../components/ui';
import { dateTime, humanize, pct, relative, summarize } from '../format';
import { usePoll } from '../hooks';
import type { Approval, ApprovalList } from '../types';

export function Approvals({ role }: { role: Role }) {
  const pending = usePoll(() => api<ApprovalList>('/api/autonomous/approvals?limit=100'), 4_000);
  const decided = usePoll(() => api<ApprovalList>('/api/autonomous/approvals?status=all&limit=30'), 4_000);
  const mayDecide = can(role, 'operator');
  return (
    <div className="page">
      <CampaignsPanel role={role} />
      <Panel title={`Awaiting approval${pending.data ? ` (${pending.data.total})` : ''}`}>
        {!mayDecide && (
          <p className="notice">
            Your key has the viewer role: you can see the queue but not decide. An operator or admin key can approve or
            reject.
          </p>
        )}
        <Async
          p={pending}
          what="approvals"
          isEmpty={(d) => d.items.length === 0}
          empty="Nothing awaits approval. Actions below the confidence gate appear here."
        >
          {(d) => (
            <ul className="approvals">
              {d.items.map((a) => (
                <ApprovalItem
                  key={a.actionId}
                  a={a}
                  mayDecide={mayDecide}
                  onDecided={() => {
                    pending.reload();
                    decided.reload();
                  }}
                />
              ))}
            </ul>
          )}
        </Async>
      </Panel>
      <Panel title="Recently decided">
        <Async
          p={decided}
          what="decided approvals"
          isEmpty={(d) => d.items.every((a) => a.status === 'pending')}
          empty="No decisions yet."
        >
          {(d) => (
            <table className="table" aria-label="Recently decided approvals">
              <thead>
                <tr>
                  <th>Action</th>
                  <th>Status</th>
                  <th>By</th>
                  <th>Reason</th>
                  <th>Decided</th>
                  <th>Slack</th>
                </tr>
              </thead>
              <tbody>
                {d.items
                  .filter((a) => a.status !== 'pending')
                  .map((a) => (
                    <tr key={a.actionId} data-testid={`decided-${a.actionId}`}>
                      <td>
                        <strong>{humanize(a.action.type)}</strong>{' '}
                        <span className="muted small mono">{a.actionId}</span>
                      </td>
                      <td>
                        <Badge status={a.status} />
                      </td>
                      <td>{a.decidedBy ?? '—'}</td>
                      <td className="small">{a.reason ?? '—'}</td>
                      <td className="small">{dateTime(a.decidedAt)}</td>
                      <td className="small">
                        {a.slackUrl ? (
                          <a href={a.slackUrl} target="_blank" rel="noreferrer">
                            message
                          </a>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </Async>
      </Panel>
    </div>
  );
}

function ApprovalItem({ a, mayDecide, onDecided }: { a: Approval; mayDecide: boolean; onDecided: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<'approve' | 'reject' | null>(null);
  const [error, setError] = useState<ApiError>();
  const [sent, setSent] = useState<string>();
  const overdue = new Date(a.deadline).getTime() < Date.now();
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(decision);
    setError(undefined);
    try {
      await api(`/api/autonomous/approvals/${encodeURIComponent(a.actionId)}/${decision}`, {
        method: 'POST',
        body: { reason: reason.trim() },
      });
      setSent(decision === 'approve' ? 'Approved: the approval workflow is executing the action.' : 'Rejected.');
      onDecided();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(null);
    }
  };
  const reasonId = `reason-${a.actionId}`;
  return (
    <li className="approval card" data-testid={`approval-${a.actionId}`}>
      <div className="approval-main">
        <h3>
          {humanize(a.action.type)}{' '}
          <span className="muted small">
            on {a.action.targetType} {a.action.targetId}
          </span>
        </h3>
        <p className="small">
          <Badge status={a.action.dryRun ? 'dry run' : 'live'} tone={a.action.dryRun ? 'info' : 'warn'} /> confidence{' '}
          {pct(a.action.confidence)} · cycle <span className="mono">{a.action.cycleId}</span>
        </p>
        <p>
          <strong>Why it needs you:</strong> {a.action.statusReason ?? 'below the confidence gate'}
        </p>
        <p className="small">
          Expected impact: {summarize(a.action.expectedImpact) || '—'} · params: {summarize(a.action.params) || '—'}
        </p>
        <p className={`small ${overdue ? 'text-bad' : ''}`}>
          Deadline {dateTime(a.deadline)} ({relative(a.deadline)})
          {overdue ? ' — overdue, expires at the next check' : ''}
        </p>
        {a.slackUrl && (
          <p className="small">
            <a href={a.slackUrl} target="_blank" rel="noreferrer" data-testid={`slack-${a.actionId}`}>
              Open in Slack
            </a>
          </p>
        )}
      </div>
      {mayDecide && !sent && (
        <form className="approval-form" onSubmit={(e) => e.preventDefault()}>
          <label htmlFor={reasonId}>Reason</label>
          <textarea
            id={reasonId}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="Why (at least 3 characters; recorded in the audit log)"
          />
          <div className="btn-row">
            <button
              type="button"
              className="btn btn-primary"
              disabled={reason.trim().length < 3 || busy !== null}
              onClick={() => void decide('approve')}
            >
              {busy === 'approve' ? 'Approving…' : 'Approve'}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={reason.trim().length < 3 || busy !== null}
              onClick={() => void decide('reject')}
            >
              {busy === 'reject' ? 'Rejecting…' : 'Reject'}
            </button>
          </div>
        </form>
      )}
      {sent && (
        <p className="notice notice-ok" role="status">
          {sent}
        </p>
      )}
      {error && <ErrorState error={error} />}
    </li>
  );
}
