// Campaigns on the Approvals page: each message campaign with its cohort, recipients after the gates, expected
// impact with its interval, a preview (first recipients and the rendered message) and its ramp. One reason box
// decides the whole campaign (approve/reject), or pauses, resumes or cancels its rollout.
import { useState } from 'react';
import type { z } from 'zod';
import type { CampaignListSchema, CampaignSchema } from '../../../api/schemas/campaigns';
import { api, ApiError, can, type Role } from '../api';
import { Async, Badge, ErrorState, Panel } from './ui';
import { dateTime, humanize, relative } from '../format';
import { usePoll } from '../hooks';

type Campaign = z.infer<typeof CampaignSchema>;
type CampaignList = z.infer<typeof CampaignListSchema>;
type Control = 'approve' | 'reject' | 'pause' | 'resume' | 'cancel';
const LABELS: Record<Control, [string, string]> = {
  approve: ['Approve', 'Approving…'],
  reject: ['Reject', 'Rejecting…'],
  pause: ['Pause', 'Pausing…'],
  resume: ['Resume', 'Resuming…'],
  cancel: ['Cancel', 'Cancelling…'],
};

const CONTROLS: Record<string, Control[]> = {
  pending_approval: ['approve', 'reject', 'cancel'],
  approved: ['pause', 'cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
};
const OPEN = 'pending_approval,approved,running,paused';

export function CampaignsPanel({ role }: { role: Role }) {
  const open = usePoll(() => api<CampaignList>(`/api/autonomous/campaigns?status=${OPEN}&limit=50`), 4_000);
  const recent = usePoll(
    () => api<CampaignList>('/api/autonomous/campaigns?status=completed,halted,cancelled,rejected,expired&limit=10'),
    8_000,
  );
  const mayDecide = can(role, 'operator');
  return (
    <>
      <Panel title={`Campaigns${open.data ? ` (${open.data.items.length} open)` : ''}`}>
        <p className="small muted">
          Messages go out as one campaign per cycle, phase and type: one decision for all its recipients, then a rollout
          in waves that halts when too many sends fail.
        </p>
        <Async
          p={open}
          what="campaigns"
          isEmpty={(d) => d.items.length === 0}
          empty="No campaign waits for you or is rolling out."
        >
          {(d) => (
            <ul className="approvals">
              {d.items.map((c) => (
                <CampaignItem key={c.id} c={c} mayDecide={mayDecide} onDone={open.reload} />
              ))}
            </ul>
          )}
        </Async>
      </Panel>
      <Panel title="Recent campaigns">
        <Async p={recent} what="recent campaigns" isEmpty={(d) => d.items.length === 0} empty="None yet.">
          {(d) => (
            <table className="table" aria-label="Recent campaigns">
              <thead>
                <tr>
                  <th>Campaign</th>
                  <th>Status</th>
                  <th>Sent</th>
                  <th>Why</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <strong>{humanize(c.type)}</strong> <span className="muted small mono">{c.cycleId}</span>
                    </td>
                    <td>
                      <Badge status={c.status} />
                    </td>
                    <td>
                      {c.progress.executed ?? 0} of {c.recipients}
                    </td>
                    <td className="small">{c.statusReason ?? '—'}</td>
                    <td className="small">{dateTime(c.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </Panel>
    </>
  );
}

function Ramp({ c }: { c: Campaign }) {
  const done = c.progress.wave ?? 0;
  return (
    <ol className="ramp" aria-label="Rollout ramp">
      {c.ramp.map((share, i) => (
        <li
          key={i}
          className={`ramp-wave ${i < done ? 'ramp-done' : i === done && c.status === 'running' ? 'ramp-now' : ''}`}
        >
          <span className="ramp-share">{Math.round(share * 100)}%</span>
          <span className="ramp-count">{Math.ceil(share * c.recipients)}</span>
        </li>
      ))}
    </ol>
  );
}

function CampaignItem({ c, mayDecide, onDone }: { c: Campaign; mayDecide: boolean; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<Control | null>(null);
  const [error, setError] = useState<ApiError>();
  const [sent, setSent] = useState<string>();
  const impact = c.expectedImpact as {
    expectedSuccesses?: number;
    interval?: { low: number; high: number };
    successRate?: number;
  };
  const control = async (what: Control) => {
    setBusy(what);
    setError(undefined);
    try {
      await api(`/api/autonomous/campaigns/${encodeURIComponent(c.id)}/${what}`, {
        method: 'POST',
        body: { reason: reason.trim() },
      });
      setSent(`${LABELS[what][0]} sent to the campaign's rollout.`);
      setReason('');
      onDone();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(null);
    }
  };
  const reasonId = `reason-${c.id}`;
  const excluded = Object.entries(c.excluded);
  return (
    <li className="approval card" data-testid={`campaign-${c.id}`}>
      <div className="approval-main">
        <h3>
          {humanize(c.type)} campaign <Badge status={c.status} /> <span className="muted small mono">{c.cycleId}</span>
        </h3>
        <p className="small">
          <strong>Cohort:</strong> {c.cohort.definition} (moves {humanize(c.cohort.kpi)})
        </p>
        <p className="small">
          {c.size} targets → <strong>{c.recipients} recipients</strong> · {c.heldOut} held out
          {excluded.length > 0 && <> · left out: {excluded.map(([g, n]) => `${humanize(g)} ${n}`).join(', ')}</>}
        </p>
        <p className="small">
          Expected: {impact.expectedSuccesses ?? '—'} successes
          {impact.interval ? ` (90% interval ${impact.interval.low}–${impact.interval.high})` : ''}
          {c.statusReason ? ` · ${c.statusReason}` : ''}
        </p>
        <Ramp c={c} />
        <p className="small">
          Progress: wave {c.progress.wave ?? 0} of {c.progress.waves ?? c.ramp.length} · {c.progress.executed ?? 0} sent
          · {c.progress.failed ?? 0} failed · {c.progress.blocked ?? 0} blocked
        </p>
        {c.deadline && c.status === 'pending_approval' && (
          <p className="small">
            Deadline {dateTime(c.deadline)} ({relative(c.deadline)}); unanswered, it expires and nothing is sent.
          </p>
        )}
        <details>
          <summary className="small">
            Preview: {c.preview.message?.subject ? `“${c.preview.message.subject}”` : 'message'} to the first{' '}
            {c.preview.recipients?.length ?? 0} recipients
          </summary>
          {c.preview.message?.text && <pre className="preview-text">{c.preview.message.text}</pre>}
          <ul className="small mono preview-recipients">
            {(c.preview.recipients ?? []).map((r) => (
              <li key={r.userId}>
                user {r.userId} {r.email ?? ''}
              </li>
            ))}
          </ul>
        </details>
      </div>
      {mayDecide && CONTROLS[c.status] && (
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
            {CONTROLS[c.status]!.map((what) => (
              <button
                key={what}
                type="button"
                className={`btn ${what === 'approve' || what === 'resume' ? 'btn-primary' : what === 'pause' ? '' : 'btn-danger'}`}
                disabled={reason.trim().length < 3 || busy !== null}
                onClick={() => void control(what)}
              >
                {LABELS[what][busy === what ? 1 : 0]}
              </button>
            ))}
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
