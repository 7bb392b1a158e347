// Controls: run a cycle (dry run by default; live only for admins, behind a confirmation), self-heal,
// the schedules (pause, resume, trigger), the kill switch and live mode, and the change freezes. Viewers see
// state only.
import { useState } from 'react';
import { api, ApiError, can, type Role } from '../api';
import { ChangeFreezesPanel } from '../components/change-freezes';
import { Async, Badge, ConfirmDialog, ErrorState, Panel } from '../components/ui';
import { dateTime, duration, relative } from '../format';
import { usePoll, type Polled } from '../hooks';
import type { CycleDetail, FreezeList, Policies, Progress, Schedule } from '../types';

interface Started {
  cycleId: string;
  dryRun: boolean;
  what: string;
}

export function Controls({
  role,
  navigate,
  freezes,
}: {
  role: Role;
  navigate: (to: string) => void;
  /** The shell's poll, so adding or removing a freeze here updates the banner at once. */
  freezes: Polled<FreezeList>;
}) {
  const [started, setStarted] = useState<Started[]>([]);
  const policies = usePoll(() => api<Policies>('/api/autonomous/policies'), 10_000);
  const isOperator = can(role, 'operator');
  const isAdmin = can(role, 'admin');
  return (
    <div className="page">
      {!isOperator && (
        <p className="notice" data-testid="viewer-notice">
          Your key has the <strong>viewer</strong> role: it can read everything but start, pause or change nothing. Ask
          for an operator key to run dry-run cycles and approve, or an admin key for live runs, schedules and the kill
          switch.
        </p>
      )}
      {isOperator && (
        <div className="grid grid-two">
          <RunPanel isAdmin={isAdmin} onStarted={(s) => setStarted((l) => [s, ...l].slice(0, 5))} />
          <Panel title="Running and recent">
            {started.length === 0 ? (
              <p className="state state-empty">Runs you start here show their progress through the phases.</p>
            ) : (
              started.map((s) => <RunProgress key={s.cycleId} run={s} navigate={navigate} />)
            )}
          </Panel>
        </div>
      )}
      <SafetyPanel policies={policies} isAdmin={isAdmin} />
      <ChangeFreezesPanel freezes={freezes} isAdmin={isAdmin} />
      <SchedulesPanel isAdmin={isAdmin} />
    </div>
  );
}

function RunPanel({ isAdmin, onStarted }: { isAdmin: boolean; onStarted: (s: Started) => void }) {
  const [live, setLive] = useState(false);
  const [confirm, setConfirm] = useState<null | 'cycle' | 'self-heal'>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const start = async (what: 'cycle' | 'self-heal') => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ cycleId: string; dryRun: boolean }>(
        what === 'cycle' ? '/api/autonomous/run-cycle' : '/api/autonomous/self-heal',
        { method: 'POST', body: { dryRun: !live } },
      );
      onStarted({ cycleId: res.cycleId, dryRun: res.dryRun, what: what === 'cycle' ? 'Cycle' : 'Self-heal' });
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const request = (what: 'cycle' | 'self-heal') => (live ? setConfirm(what) : void start(what));
  return (
    <Panel title="Run now">
      <p className="muted">
        A dry run analyses and plans everything and records what it would do, without touching payments, messages or
        data.
      </p>
      <fieldset className="mode">
        <legend>Mode</legend>
        <label>
          <input type="radio" name="mode" checked={!live} onChange={() => setLive(false)} /> Dry run (safe)
        </label>
        {isAdmin && (
          <label>
            <input type="radio" name="mode" checked={live} onChange={() => setLive(true)} /> Live — executes effects
            (admin)
          </label>
        )}
      </fieldset>
      <div className="btn-row">
        <button
          type="button"
          className={`btn ${live ? 'btn-danger' : 'btn-primary'}`}
          disabled={busy}
          onClick={() => request('cycle')}
        >
          {live ? 'Run live cycle…' : 'Run dry-run cycle'}
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => request('self-heal')}>
          {live ? 'Self-heal live…' : 'Self-heal (dry run)'}
        </button>
      </div>
      {error && <ErrorState error={error} />}
      <ConfirmDialog
        open={confirm !== null}
        title={confirm === 'cycle' ? 'Run a live cycle?' : 'Run a live self-heal?'}
        confirmLabel="Run live"
        danger
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const w = confirm!;
          setConfirm(null);
          void start(w);
        }}
      >
        <p>
          A live run <strong>executes</strong> the actions that pass the gates: payment retries, messages to users and
          data fixes. Gates, caps, quiet hours and the kill switch still apply.
        </p>
      </ConfirmDialog>
    </Panel>
  );
}

function RunProgress({ run, navigate }: { run: Started; navigate: (to: string) => void }) {
  const [done, setDone] = useState(false);
  const detail = usePoll(
    () => api<CycleDetail>(`/api/autonomous/cycles/${encodeURIComponent(run.cycleId)}`),
    done ? 0 : 1_500,
    [done],
  );
  const finished = detail.data && detail.data.status !== 'running';
  if (finished && !done) setDone(true);
  const progress = usePoll(
    () => api<Progress>(`/api/autonomous/cycles/${encodeURIComponent(run.cycleId)}/progress`),
    done ? 0 : 1_000,
    [done],
  );
  const phases = progress.data?.phases ?? detail.data?.phases ?? [];
  const status = detail.data?.status ?? 'running';
  return (
    <div className="run card" data-testid={`run-${run.cycleId}`} data-status={status}>
      <p>
        <strong>{run.what}</strong>{' '}
        {run.dryRun ? <Badge status="dry run" tone="info" /> : <Badge status="live" tone="warn" />}{' '}
        <span data-testid="run-status">
          <Badge status={status} />
        </span>{' '}
        <a
          href={`/history?cycle=${encodeURIComponent(run.cycleId)}`}
          onClick={(e) => {
            e.preventDefault();
            navigate(`/history?cycle=${encodeURIComponent(run.cycleId)}`);
          }}
          className="mono small"
        >
          {run.cycleId}
        </a>
      </p>
      <ol className="stepper" aria-label={`Phases of ${run.cycleId}`}>
        {phases.map((p) => (
          <li
            key={p.name}
            className={`step step-${p.status}`}
            aria-current={progress.data?.currentPhase === p.name ? 'step' : undefined}
          >
            <span className="step-name">{p.name}</span>
            <span className="step-status">
              {p.status}
              {p.finishedAt ? ` · ${duration(p.startedAt, p.finishedAt)}` : ''}
            </span>
          </li>
        ))}
      </ol>
      {detail.data?.error && <p className="text-bad small">{detail.data.error}</p>}
      {(detail.error ?? progress.error) && !finished && <ErrorState error={(detail.error ?? progress.error)!} />}
    </div>
  );
}

function SafetyPanel({ policies, isAdmin }: { policies: ReturnType<typeof usePoll<Policies>>; isAdmin: boolean }) {
  const [confirm, setConfirm] = useState<null | { name: 'kill_switch' | 'live_mode'; enabled: boolean }>(null);
  const [error, setError] = useState<ApiError>();
  const change = async (name: string, enabled: boolean, reason: string) => {
    setError(undefined);
    try {
      await api(`/api/autonomous/policies/${name}`, { method: 'PUT', body: { value: { enabled }, reason } });
      policies.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <Panel title="Safety">
      <Async p={policies} what="policies">
        {(p) => (
          <div className="grid grid-two">
            <div className="card">
              <h3>
                Kill switch{' '}
                {p.killSwitch ? (
                  <Badge status="on: every effect blocked" tone="bad" />
                ) : (
                  <Badge status="off" tone="ok" />
                )}
              </h3>
              <p className="muted small">Blocks every effect of every run at once, dry or live.</p>
              {isAdmin && (
                <button
                  type="button"
                  className={`btn ${p.killSwitch ? '' : 'btn-danger'}`}
                  onClick={() => setConfirm({ name: 'kill_switch', enabled: !p.killSwitch })}
                >
                  {p.killSwitch ? 'Release kill switch…' : 'Engage kill switch…'}
                </button>
              )}
            </div>
            <div className="card">
              <h3>
                Live mode{' '}
                {p.liveMode ? (
                  <Badge status="live: schedules execute effects" tone="warn" />
                ) : (
                  <Badge status="dry: schedules only record" tone="info" />
                )}
              </h3>
              <p className="muted small">Whether the scheduled cycles and the monitor run live.</p>
              {isAdmin && (
                <button
                  type="button"
                  className={`btn ${p.liveMode ? '' : 'btn-danger'}`}
                  onClick={() => setConfirm({ name: 'live_mode', enabled: !p.liveMode })}
                >
                  {p.liveMode ? 'Turn live mode off…' : 'Turn live mode on…'}
                </button>
              )}
            </div>
          </div>
        )}
      </Async>
      {error && <ErrorState error={error} />}
      {isAdmin && (
        <ConfirmDialog
          open={confirm !== null}
          needReason
          danger={!!confirm && (confirm.name === 'live_mode' ? confirm.enabled : !confirm.enabled)}
          title={
            confirm
              ? `${confirm.enabled ? 'Turn on' : 'Turn off'} ${confirm.name === 'kill_switch' ? 'the kill switch' : 'live mode'}?`
              : ''
          }
          confirmLabel={confirm?.enabled ? 'Turn on' : 'Turn off'}
          onCancel={() => setConfirm(null)}
          onConfirm={(reason) => {
            const c = confirm!;
            setConfirm(null);
            void change(c.name, c.enabled, reason);
          }}
        >
          <p>
            {confirm?.name === 'kill_switch'
              ? confirm.enabled
                ? 'Every effect of every run will be blocked until it is released.'
                : 'Runs will execute effects again as their mode allows.'
              : confirm?.enabled
                ? 'Scheduled cycles and the monitor will execute effects.'
                : 'Scheduled cycles and the monitor will only record what they would do.'}{' '}
            A new policy version is stored with your key name and reason.
          </p>
        </ConfirmDialog>
      )}
    </Panel>
  );
}

function SchedulesPanel({ isAdmin }: { isAdmin: boolean }) {
  const schedules = usePoll(() => api<{ items: Schedule[] }>('/api/autonomous/schedules'), 10_000);
  const [confirm, setConfirm] = useState<null | { id: string; op: 'pause' | 'unpause' | 'trigger' }>(null);
  const [error, setError] = useState<ApiError>();
  const op = async (id: string, operation: string, note: string) => {
    setError(undefined);
    try {
      await api(`/api/autonomous/schedules/${encodeURIComponent(id)}/${operation}`, {
        method: 'POST',
        body: note ? { note } : {},
      });
      schedules.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <Panel title="Schedules">
      <Async
        p={schedules}
        what="schedules"
        isEmpty={(d) => d.items.length === 0}
        empty="No schedules: the worker creates them when it starts."
      >
        {(d) => (
          <table className="table" aria-label="Schedules">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>State</th>
                <th>Next run</th>
                <th>Last run</th>
                {isAdmin && <th>Actions</th>}
              </tr>
            </thead>
            <tbody>
              {d.items.map((s) => (
                <tr key={s.scheduleId}>
                  <td>
                    <strong>{s.scheduleId}</strong>
                    <div className="muted small">{s.workflowType ?? ''}</div>
                  </td>
                  <td>
                    {!s.exists ? (
                      <Badge status="not created" tone="muted" />
                    ) : s.paused ? (
                      <Badge status="paused" tone="warn" />
                    ) : (
                      <Badge status="active" tone="ok" />
                    )}
                    {s.note && <div className="small muted">{s.note}</div>}
                  </td>
                  <td className="small">
                    {s.nextActionTimes[0]
                      ? `${dateTime(s.nextActionTimes[0])} (${relative(s.nextActionTimes[0])})`
                      : '—'}
                  </td>
                  <td className="small">{s.recentActions.at(-1) ? relative(s.recentActions.at(-1)!.takenAt) : '—'}</td>
                  {isAdmin && (
                    <td>
                      <div className="btn-row">
                        {s.exists &&
                          (s.paused ? (
                            <button
                              type="button"
                              className="btn btn-small"
                              onClick={() => setConfirm({ id: s.scheduleId, op: 'unpause' })}
                            >
                              Resume…
                            </button>
                          ) : (
                            <button
                              type="button"
                              className="btn btn-small"
                              onClick={() => setConfirm({ id: s.scheduleId, op: 'pause' })}
                            >
                              Pause…
                            </button>
                          ))}
                        {s.exists && (
                          <button
                            type="button"
                            className="btn btn-small"
                            onClick={() => setConfirm({ id: s.scheduleId, op: 'trigger' })}
                          >
                            Run now…
                          </button>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      {error && <ErrorState error={error} />}
      {isAdmin && (
        <ConfirmDialog
          open={confirm !== null}
          needReason
          title={
            confirm
              ? `${confirm.op === 'unpause' ? 'Resume' : confirm.op === 'pause' ? 'Pause' : 'Trigger'} ${confirm.id}?`
              : ''
          }
          confirmLabel={confirm?.op === 'unpause' ? 'Resume' : confirm?.op === 'pause' ? 'Pause' : 'Run now'}
          onCancel={() => setConfirm(null)}
          onConfirm={(note) => {
            const c = confirm!;
            setConfirm(null);
            void op(c.id, c.op, note);
          }}
        >
          <p>
            {confirm?.op === 'trigger'
              ? 'Starts one run now, in the mode live mode sets for schedules.'
              : confirm?.op === 'pause'
                ? 'No scheduled runs start until it is resumed.'
                : 'Scheduled runs start again at their next time.'}{' '}
            The note is stored on the schedule and in the audit log.
          </p>
        </ConfirmDialog>
      )}
    </Panel>
  );
}
