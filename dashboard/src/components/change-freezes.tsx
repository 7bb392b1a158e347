// Change freezes: the banner every page shows while one is in force, and the Controls section that lists the
// windows with their next occurrence and lets an admin add or remove one (docs/safety.md#change-freezes).
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import { Async, Badge, ConfirmDialog, ErrorState, Panel } from './ui';
import { dateTime, relative } from '../format';
import { usePoll, type Polled } from '../hooks';
import type { FreezeList } from '../types';

/** Polled by the shell (banner) and handed to Controls; a minute is fine for a window's start or end. */
export function useFreezes(intervalMs = 15_000): Polled<FreezeList> {
  return usePoll(() => api<FreezeList>('/api/freezes'), intervalMs);
}

export function FreezeBanner({ freezes }: { freezes: Polled<FreezeList> }) {
  const active = freezes.data?.active;
  if (!active) return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="freeze-banner">
      <strong>Change freeze '{active.name}'</strong> until {active.endsAtLocal} ({active.timezone}): no effects run.
      Planning, dry runs and alerts go on. <span className="small">{active.reason}</span>
    </div>
  );
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function ChangeFreezesPanel({ freezes, isAdmin }: { freezes: Polled<FreezeList>; isAdmin: boolean }) {
  const [removing, setRemoving] = useState<null | { id: number; name: string }>(null);
  const [error, setError] = useState<ApiError>();
  const remove = async (id: number) => {
    setError(undefined);
    try {
      await api(`/api/freezes/${id}`, { method: 'DELETE' });
      freezes.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <Panel title="Change freezes">
      <p className="muted small">
        While a freeze is in force no effect runs: live actions are blocked with the freeze in their reason. Planning,
        dry runs, alerts and analysis go on.
      </p>
      <Async p={freezes} what="change freezes" isEmpty={(d) => d.items.length === 0} empty="No change freezes defined.">
        {(d) => {
          const next = new Map<number, FreezeList['upcoming'][number]>();
          for (const o of d.upcoming) if (!next.has(o.id)) next.set(o.id, o);
          return (
            <table className="table" aria-label="Change freezes">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>When</th>
                  <th>Next / in force</th>
                  <th>Reason</th>
                  <th>By</th>
                  {isAdmin && <th>Actions</th>}
                </tr>
              </thead>
              <tbody>
                {d.items.map((f) => {
                  const o = next.get(f.id);
                  return (
                    <tr key={f.id} data-testid={`freeze-${f.id}`}>
                      <td>
                        <strong>{f.name}</strong>
                        <div className="muted small">{f.timezone}</div>
                      </td>
                      <td className="small">
                        {f.kind === 'one_off' ? (
                          `${dateTime(f.startsAt)} → ${dateTime(f.endsAt)}`
                        ) : (
                          <>
                            <code>{f.cron}</code> for {f.durationMinutes} min
                          </>
                        )}
                      </td>
                      <td className="small">
                        {o ? (
                          o.active ? (
                            <Badge status={`in force, ends ${relative(o.endsAt)}`} tone="warn" />
                          ) : (
                            `${dateTime(o.startsAt)} (${relative(o.startsAt)})`
                          )
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="small">{f.reason}</td>
                      <td className="small">{f.createdBy}</td>
                      {isAdmin && (
                        <td>
                          <button
                            type="button"
                            className="btn btn-small"
                            onClick={() => setRemoving({ id: f.id, name: f.name })}
                          >
                            Remove…
                          </button>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          );
        }}
      </Async>
      {error && <ErrorState error={error} />}
      {isAdmin && <AddFreezeForm onAdded={freezes.reload} />}
      {isAdmin && (
        <ConfirmDialog
          open={removing !== null}
          title={removing ? `Remove the change freeze '${removing.name}'?` : ''}
          confirmLabel="Remove"
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            const r = removing!;
            setRemoving(null);
            void remove(r.id);
          }}
        >
          <p>Effects may run again at once if no other freeze is in force. The window stays on record, audited.</p>
        </ConfirmDialog>
      )}
    </Panel>
  );
}

function AddFreezeForm({ onAdded }: { onAdded: () => void }) {
  const id = useId();
  const [kind, setKind] = useState<'one_off' | 'recurring'>('one_off');
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const [timezone, setTimezone] = useState(browserZone);
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [cron, setCron] = useState('0 18 * * 5');
  const [minutes, setMinutes] = useState('3600');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  // datetime-local has no zone: it is the browser's wall clock, sent as an instant.
  const instant = (local: string) => (local ? new Date(local).toISOString() : '');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('/api/freezes', {
        method: 'POST',
        body:
          kind === 'one_off'
            ? { kind, name, reason, timezone, startsAt: instant(from), endsAt: instant(until) }
            : { kind, name, reason, timezone, cron, durationMinutes: Number(minutes) },
      });
      setName('');
      setReason('');
      onAdded();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card freeze-form" onSubmit={(e) => void submit(e)} aria-label="Add a change freeze">
      <h3>Add a change freeze</h3>
      <fieldset className="mode">
        <legend>Kind</legend>
        <label>
          <input type="radio" name={`${id}-kind`} checked={kind === 'one_off'} onChange={() => setKind('one_off')} />{' '}
          One-off
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === 'recurring'}
            onChange={() => setKind('recurring')}
          />{' '}
          Recurring (cron)
        </label>
      </fieldset>
      <div className="grid grid-two">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} type="text" value={name} onChange={(e) => setName(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor={`${id}-tz`}>Time zone (IANA)</label>
          <input id={`${id}-tz`} type="text" value={timezone} onChange={(e) => setTimezone(e.target.value)} required />
        </div>
        {kind === 'one_off' ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-from`}>Starts (your browser's time)</label>
              <input
                id={`${id}-from`}
                type="datetime-local"
                value={from}
                onChange={(e) => setFrom(e.target.value)}
                required
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-until`}>Ends (your browser's time)</label>
              <input
                id={`${id}-until`}
                type="datetime-local"
                value={until}
                onChange={(e) => setUntil(e.target.value)}
                required
              />
            </div>
          </>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${id}-cron`}>Start: cron, local time in the zone (min hour day month weekday)</label>
              <input id={`${id}-cron`} type="text" value={cron} onChange={(e) => setCron(e.target.value)} required />
            </div>
            <div className="field">
              <label htmlFor={`${id}-minutes`}>Lasts (minutes)</label>
              <input
                id={`${id}-minutes`}
                type="number"
                min={1}
                value={minutes}
                onChange={(e) => setMinutes(e.target.value)}
                required
              />
            </div>
          </>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>Reason (recorded in the audit log, at least 3 characters)</label>
        <textarea id={`${id}-reason`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required />
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        Add freeze
      </button>
      {error && <ErrorState error={error} />}
    </form>
  );
}
