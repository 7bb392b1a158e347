// The approval queue, built for reviewing many: pending approvals grouped by (cycle, action type), one reason
// box for every decision, and the keyboard — j/k move, x selects, a/r approve or reject the selection (or the
// focused item or group). Each item shows why it needs a person, its blast radius and its quorum ("1 of 2
// approvals"); the list polls, so decided actions move to "Recently decided" without a reload.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, can, type Role } from '../api';
import { CampaignsPanel } from '../components/campaigns';
import { Async, Badge, ErrorState, Panel } from '../components/ui';
import { dateTime, humanize, money, pct, relative, summarize } from '../format';
import { usePoll } from '../hooks';
import type { Approval, ApprovalGroup, ApprovalList, BulkDecision } from '../types';

/** Data fixes: their problem is found by a query, so the reviewer sees the detection's confidence. */
const DATA_FIXES = new Set(['cancel_orphaned_subscription', 'normalize_email', 'data_fix_review']);

/** A review's planned confidence is capped below every gate; its finding's confidence is the detection's. */
function detectionOf(a: Approval): number {
  const found = a.action.params.findingConfidence;
  return a.action.type === 'data_fix_review' && typeof found === 'number' ? found : a.action.detectionConfidence;
}
const MIN_REASON = 3;

type Decision = 'approve' | 'reject';
type Row = { kind: 'group'; key: string; group: ApprovalGroup; items: Approval[] } | { kind: 'item'; a: Approval };

const groupKey = (g: { cycleId: string; type: string }) => `${g.cycleId}\u0000${g.type}`;

export function Approvals({ role, me }: { role: Role; me?: string }) {
  const pending = usePoll(() => api<ApprovalList>('/api/autonomous/approvals?limit=100'), 4_000);
  const decided = usePoll(() => api<ApprovalList>('/api/autonomous/approvals?status=all&limit=30'), 4_000);
  const mayDecide = can(role, 'operator');
  const reload = () => {
    pending.reload();
    decided.reload();
  };
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
          {(d) => <Queue list={d} mayDecide={mayDecide} me={me} onDecided={reload} />}
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

function Queue({
  list,
  mayDecide,
  me,
  onDecided,
}: {
  list: ApprovalList;
  mayDecide: boolean;
  me?: string;
  onDecided: () => void;
}) {
  const [reason, setReason] = useState('');
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [sent, setSent] = useState<string>();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const rowRefs = useRef(new Map<number, HTMLElement>());

  // Groups in the api's order (most urgent first), each followed by its items on this page.
  const rows = useMemo<Row[]>(() => {
    const byGroup = new Map<string, Approval[]>();
    for (const a of list.items) {
      const k = groupKey({ cycleId: a.action.cycleId, type: a.action.type });
      byGroup.set(k, [...(byGroup.get(k) ?? []), a]);
    }
    const out: Row[] = [];
    for (const g of list.groups) {
      const items = byGroup.get(groupKey(g)) ?? [];
      out.push({ kind: 'group', key: groupKey(g), group: g, items });
      for (const a of items) out.push({ kind: 'item', a });
    }
    return out;
  }, [list]);
  const focused = rows[Math.min(focus, rows.length - 1)];
  const pendingIds = useMemo(() => new Set(list.items.map((a) => a.actionId)), [list]);
  const selection = [...selected].filter((id) => pendingIds.has(id));

  const decide = useCallback(
    async (decision: Decision, target: { ids: string[] } | { group: ApprovalGroup }, label: string) => {
      if (!mayDecide || busy) return;
      const why = reason.trim();
      if (why.length < MIN_REASON) {
        setSent(undefined);
        setError(new ApiError('http', `Write a reason first (at least ${MIN_REASON} characters): press / to type it.`));
        reasonRef.current?.focus();
        return;
      }
      setBusy(true);
      setError(undefined);
      setSent(undefined);
      try {
        const filter =
          'ids' in target ? { actionIds: target.ids } : { cycleId: target.group.cycleId, type: target.group.type };
        const r = await api<BulkDecision>('/api/autonomous/approvals/decide', {
          method: 'POST',
          body: { decision, reason: why, filter },
        });
        const verb = decision === 'approve' ? 'Approve' : 'Reject';
        const skipped = r.skipped.length
          ? ` Skipped ${r.skipped.length}: ${r.skipped.map((k) => `${k.actionId} (${k.reason})`).join('; ')}`
          : '';
        setSent(`${verb} sent for ${r.signaled} of ${r.matched} (${label}).${skipped}`);
        setSelected(new Set());
        onDecided();
      } catch (err) {
        setError(err as ApiError);
      } finally {
        setBusy(false);
      }
    },
    [mayDecide, busy, reason, onDecided],
  );

  const decideFocused = useCallback(
    (decision: Decision) => {
      if (selection.length) return decide(decision, { ids: selection }, `${selection.length} selected`);
      if (!focused) return;
      if (focused.kind === 'group')
        return decide(decision, { group: focused.group }, `group ${humanize(focused.group.type)}`);
      return decide(decision, { ids: [focused.a.actionId] }, focused.a.actionId);
    },
    [decide, focused, selection],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      const typing = !!el && (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' || el.isContentEditable);
      if (typing) {
        if (e.key === 'Escape') el.blur();
        return;
      }
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      const move = (d: number) => {
        e.preventDefault();
        setFocus((f) => Math.max(0, Math.min(rows.length - 1, f + d)));
      };
      if (e.key === 'j' || e.key === 'ArrowDown') move(1);
      else if (e.key === 'k' || e.key === 'ArrowUp') move(-1);
      else if (e.key === 'x' && focused) {
        e.preventDefault();
        const ids = focused.kind === 'group' ? focused.items.map((a) => a.actionId) : [focused.a.actionId];
        setSelected((s) => {
          const next = new Set(s);
          const all = ids.every((id) => next.has(id));
          for (const id of ids) {
            if (all) next.delete(id);
            else next.add(id);
          }
          return next;
        });
      } else if (e.key === '/') {
        e.preventDefault();
        reasonRef.current?.focus();
      } else if ((e.key === 'a' || e.key === 'r') && mayDecide) {
        e.preventDefault();
        void decideFocused(e.key === 'a' ? 'approve' : 'reject');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, focused, mayDecide, decideFocused]);

  useEffect(() => {
    rowRefs.current.get(focus)?.scrollIntoView({ block: 'nearest' });
  }, [focus]);

  const toggle = (ids: string[]) =>
    setSelected((s) => {
      const next = new Set(s);
      const all = ids.every((id) => next.has(id));
      for (const id of ids) {
        if (all) next.delete(id);
        else next.add(id);
      }
      return next;
    });
  const noReason = reason.trim().length < MIN_REASON;

  return (
    <div className="approval-queue">
      <p className="key-legend small" data-testid="key-legend" aria-label="Keyboard shortcuts">
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>x</kbd> select · <kbd>a</kbd> approve · <kbd>r</kbd> reject (the
        selection, else the focused item or group) · <kbd>/</kbd> reason · <kbd>Esc</kbd> leave the reason box
      </p>
      {mayDecide && (
        <div className="decision-bar card">
          <label htmlFor="approval-reason">Reason</label>
          <textarea
            id="approval-reason"
            ref={reasonRef}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="Why (at least 3 characters; recorded in the audit log for every approval you decide)"
          />
          <div className="btn-row">
            <span className="small muted" data-testid="selection-count">
              {selection.length} selected
            </span>
            <button
              type="button"
              className="btn btn-primary"
              disabled={noReason || busy || selection.length === 0}
              onClick={() => void decide('approve', { ids: selection }, `${selection.length} selected`)}
            >
              Approve selected
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={noReason || busy || selection.length === 0}
              onClick={() => void decide('reject', { ids: selection }, `${selection.length} selected`)}
            >
              Reject selected
            </button>
          </div>
          {sent && (
            <p className="notice notice-ok" role="status" data-testid="decision-status">
              {sent}
            </p>
          )}
          {error && <ErrorState error={error} />}
        </div>
      )}
      <ul className="approvals" aria-label="Pending approvals by cycle and type">
        {rows.map((row, i) => {
          const isFocused = i === focus;
          const ref = (el: HTMLElement | null) => {
            if (el) rowRefs.current.set(i, el);
            else rowRefs.current.delete(i);
          };
          if (row.kind === 'group') {
            const { group: g, items } = row;
            const ids = items.map((a) => a.actionId);
            return (
              <li
                key={`g:${row.key}`}
                ref={ref}
                className={`approval-group card${isFocused ? ' focused' : ''}`}
                data-testid={`group-${g.type}-${g.cycleId}`}
                aria-current={isFocused ? 'true' : undefined}
                onClick={() => setFocus(i)}
              >
                <div>
                  <h3>
                    {humanize(g.type)} <span className="muted small">· cycle </span>
                    <span className="mono small">{g.cycleId}</span>
                  </h3>
                  <p className="small">
                    {g.count} pending{g.needQuorum ? ` · ${g.needQuorum} need more than one approver` : ''} · next
                    deadline {relative(g.nextDeadline)}
                    {items.length < g.count ? ` · ${items.length} shown here` : ''}
                  </p>
                </div>
                {mayDecide && (
                  <div className="btn-row">
                    <button type="button" className="btn btn-small" onClick={() => toggle(ids)}>
                      {ids.length && ids.every((id) => selected.has(id)) ? 'Unselect group' : 'Select group'}
                    </button>
                    <button
                      type="button"
                      className="btn btn-primary btn-small"
                      disabled={noReason || busy}
                      onClick={() => void decide('approve', { group: g }, `group ${humanize(g.type)}`)}
                    >
                      Approve group ({g.count})
                    </button>
                    <button
                      type="button"
                      className="btn btn-danger btn-small"
                      disabled={noReason || busy}
                      onClick={() => void decide('reject', { group: g }, `group ${humanize(g.type)}`)}
                    >
                      Reject group ({g.count})
                    </button>
                  </div>
                )}
              </li>
            );
          }
          return (
            <ApprovalItem
              key={row.a.actionId}
              itemRef={ref}
              a={row.a}
              me={me}
              focused={isFocused}
              selected={selected.has(row.a.actionId)}
              mayDecide={mayDecide}
              disabled={noReason || busy}
              onFocus={() => setFocus(i)}
              onToggle={() => toggle([row.a.actionId])}
              onDecide={(d) => void decide(d, { ids: [row.a.actionId] }, row.a.actionId)}
            />
          );
        })}
      </ul>
    </div>
  );
}

function ApprovalItem({
  a,
  me,
  focused,
  selected,
  mayDecide,
  disabled,
  itemRef,
  onFocus,
  onToggle,
  onDecide,
}: {
  a: Approval;
  me?: string;
  focused: boolean;
  selected: boolean;
  mayDecide: boolean;
  disabled: boolean;
  itemRef: (el: HTMLElement | null) => void;
  onFocus: () => void;
  onToggle: () => void;
  onDecide: (d: Decision) => void;
}) {
  const overdue = new Date(a.deadline).getTime() < Date.now();
  const dataFix = DATA_FIXES.has(a.action.type);
  const mine = !!me && !!a.startedBy && a.startedBy.trim().toLowerCase() === me.trim().toLowerCase();
  const approved = a.approvedBy.length;
  return (
    <li
      ref={itemRef}
      className={`approval card${focused ? ' focused' : ''}${selected ? ' selected' : ''}`}
      data-testid={`approval-${a.actionId}`}
      aria-current={focused ? 'true' : undefined}
      onClick={onFocus}
    >
      <div className="approval-main">
        <h3>
          {mayDecide && (
            <input
              type="checkbox"
              aria-label={`Select ${a.actionId}`}
              checked={selected}
              onChange={onToggle}
              onClick={(e) => e.stopPropagation()}
            />
          )}{' '}
          {humanize(a.action.type)}{' '}
          <span className="muted small">
            on {a.action.targetType} {a.action.targetId}
          </span>
        </h3>
        <p className="small">
          <Badge status={a.action.dryRun ? 'dry run' : 'live'} tone={a.action.dryRun ? 'info' : 'warn'} />{' '}
          {dataFix ? <>detection confidence {pct(detectionOf(a))}</> : <>confidence {pct(a.action.confidence)}</>} ·
          cycle <span className="mono">{a.action.cycleId}</span>
        </p>
        <p>
          <strong>Why it needs you:</strong> {a.action.statusReason ?? 'below the confidence gate'}
        </p>
        <p className="small">
          Blast radius:{' '}
          {a.blastRadius ? `${a.blastRadius.users} user(s), ${money(a.blastRadius.mrrCents)} MRR` : 'not recorded'} ·{' '}
          <strong data-testid={`quorum-${a.actionId}`}>
            {approved} of {a.requiredApprovers} approval{a.requiredApprovers === 1 ? '' : 's'}
          </strong>
          {a.approvedBy.length ? ` (${a.approvedBy.join(', ')})` : ''}
        </p>
        {a.votes.some((v) => !v.counted) && (
          <ul className="small votes">
            {a.votes
              .filter((v) => !v.counted)
              .map((v) => (
                <li key={v.seq}>
                  refused: {v.operator} {v.approve ? 'approve' : 'reject'} — {v.note}
                </li>
              ))}
          </ul>
        )}
        {mine && (
          <p className="small text-bad">You started this run: you may reject it, but another operator must approve.</p>
        )}
        <p className="small">
          Expected impact: {summarize(a.action.expectedImpact) || '—'} · params: {summarize(a.action.params) || '—'}
        </p>
        <p className={`small ${overdue ? 'text-bad' : ''}`}>
          Deadline {dateTime(a.deadline)} ({relative(a.deadline)})
          {overdue ? ' — overdue: it expires without running' : ''}
          {a.escalatedAt ? ` · escalated to admins ${relative(a.escalatedAt)}` : ''}
        </p>
        {a.slackUrl && (
          <p className="small">
            <a href={a.slackUrl} target="_blank" rel="noreferrer" data-testid={`slack-${a.actionId}`}>
              Open in Slack
            </a>
          </p>
        )}
      </div>
      {mayDecide && (
        <div className="btn-row approval-form">
          <button
            type="button"
            className="btn btn-primary"
            disabled={disabled || mine}
            onClick={(e) => {
              e.stopPropagation();
              onDecide('approve');
            }}
          >
            Approve
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={disabled}
            onClick={(e) => {
              e.stopPropagation();
              onDecide('reject');
            }}
          >
            Reject
          </button>
        </div>
      )}
    </li>
  );
}
