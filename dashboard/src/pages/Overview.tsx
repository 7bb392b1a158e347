// Overview: health and alignment gauges with their trend, KPI cards, the last cycle's phases, the
// revenue the payment retries recovered, the next scheduled runs. What an operator glances at first.
import { api } from '../api';
import { Gauge, Sparkline } from '../components/charts';
import { RecoveredRevenueCard } from '../components/recovered-revenue';
import { Async, Badge, Panel } from '../components/ui';
import { dateTime, duration, formatKpi, KPI_LABELS, pct, relative, score } from '../format';
import { usePoll } from '../hooks';
import type { CycleDetail, Kpi, Schedule, SystemState, TrendPoint } from '../types';

export function Overview({ navigate }: { navigate: (to: string) => void }) {
  const state = usePoll(() => api<SystemState>('/api/autonomous/system-state'), 10_000);
  const trend = usePoll(() => api<{ items: TrendPoint[] }>('/api/autonomous/history/trend?limit=30'), 15_000);
  const schedules = usePoll(() => api<{ items: Schedule[] }>('/api/autonomous/schedules'), 20_000);
  const cycleId = state.data?.cycleId;
  const last = usePoll(
    cycleId ? () => api<CycleDetail>(`/api/autonomous/cycles/${encodeURIComponent(cycleId)}`) : null,
    10_000,
    [cycleId],
  );
  const points = trend.data?.items ?? [];

  if (state.error?.status === 404 && !state.data) {
    return (
      <Panel title="No cycle yet">
        <p className="state state-empty">
          The engine has not analysed anything yet. Start a dry-run cycle on the{' '}
          <a
            href="/controls"
            onClick={(e) => {
              e.preventDefault();
              navigate('/controls');
            }}
          >
            Controls
          </a>{' '}
          page; the overview fills in when its analyze phase completes.
        </p>
      </Panel>
    );
  }

  return (
    <div className="page">
      <Async p={state} what="system state">
        {(s) => (
          <>
            <div className="grid grid-scores">
              <ScoreCard
                label="Health score"
                value={s.healthScore}
                values={points.map((p) => p.healthScore)}
                help="0–100, from the open findings and KPI status of the latest analysis"
              />
              <ScoreCard
                label="Alignment score"
                value={s.alignmentScore}
                max={1}
                values={points.map((p) => p.alignmentScore)}
                help="0–100%, how well executed actions kept to policy, KPIs met their targets and effects matched expectations (verify phase)"
              />
              <div className="card card-meta">
                <h3>Latest analysis</h3>
                <p>
                  <span className="mono">{s.cycleId}</span>
                </p>
                <p>
                  {s.kind} · {s.dryRun ? <Badge status="dry run" tone="info" /> : <Badge status="live" tone="warn" />} ·{' '}
                  <Badge status={s.cycleStatus} />
                </p>
                <p className="muted">
                  KPI window ends {dateTime(s.computedAt)} ({relative(s.computedAt)})
                </p>
                <p>
                  {s.issues.length} open issues · {s.opportunities.length} opportunities · {s.recommendationsTotal}{' '}
                  recommendations
                </p>
              </div>
            </div>
            <h2 className="section-title">KPIs</h2>
            <div className="grid grid-kpis">
              {s.kpis.map((k) => (
                <KpiCard
                  key={k.name}
                  kpi={k}
                  values={points.map((p) => p.kpis.find((x) => x.name === k.name)?.value ?? null)}
                />
              ))}
            </div>
          </>
        )}
      </Async>
      <RecoveredRevenueCard />
      <div className="grid grid-two">
        <Panel title="Last cycle">
          <Async p={last} what="the last cycle">
            {(c) => (
              <>
                <p>
                  <span className="mono">{c.cycleId}</span> <Badge status={c.status} /> {c.dryRun ? 'dry run' : 'live'}{' '}
                  · started {dateTime(c.startedAt)} · took {duration(c.startedAt, c.finishedAt)}
                </p>
                <table className="table" aria-label="Phases of the last cycle">
                  <thead>
                    <tr>
                      <th>Phase</th>
                      <th>Result</th>
                      <th>Duration</th>
                      <th>Counts</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.phases.map((p) => (
                      <tr key={p.name}>
                        <td>{p.name}</td>
                        <td>
                          <Badge status={p.status} />
                        </td>
                        <td>{duration(p.startedAt, p.finishedAt)}</td>
                        <td className="small">
                          {Object.entries(p.counts ?? {})
                            .map(([k, v]) => `${k.replace(/_/g, ' ')} ${String(v)}`)
                            .join(' · ') || '—'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </Async>
        </Panel>
        <Panel title="Next scheduled runs">
          <Async
            p={schedules}
            what="schedules"
            isEmpty={(d) => d.items.length === 0}
            empty="No schedules: the worker creates them when it starts."
          >
            {(d) => (
              <ul className="list">
                {d.items.map((s) => (
                  <li key={s.scheduleId}>
                    <strong>{s.scheduleId}</strong>{' '}
                    {!s.exists ? (
                      <Badge status="not created" tone="muted" />
                    ) : s.paused ? (
                      <Badge status="paused" tone="warn" />
                    ) : (
                      <Badge status="active" tone="ok" />
                    )}
                    <div className="muted small">
                      {s.exists && !s.paused && s.nextActionTimes[0]
                        ? `next ${dateTime(s.nextActionTimes[0])} (${relative(s.nextActionTimes[0])})`
                        : s.paused
                          ? `paused${s.note ? `: ${s.note}` : ''}`
                          : 'no upcoming run'}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Async>
        </Panel>
      </div>
    </div>
  );
}

function ScoreCard({
  label,
  value,
  values,
  help,
  max = 100,
}: {
  label: string;
  value: number | null;
  values: Array<number | null>;
  help: string;
  max?: number;
}) {
  const show = max === 1 ? (v: number | null) => pct(v) : score;
  return (
    <div className="card card-score" data-testid={`score-${label.split(' ')[0]!.toLowerCase()}`}>
      <h3>{label}</h3>
      <Gauge value={value} label={label} max={max} display={max === 1 ? (v) => pct(v) : undefined} />
      <div className="score-trend">
        <Sparkline values={values} label={`${label} trend`} width={200} />
      </div>
      <p className="muted small">
        {help}. Now {show(value)}.
      </p>
    </div>
  );
}

function KpiCard({ kpi, values }: { kpi: Kpi; values: Array<number | null> }) {
  const label = KPI_LABELS[kpi.name] ?? kpi.name;
  return (
    <div className={`card card-kpi kpi-${kpi.status}`} data-testid={`kpi-${kpi.name}`} data-value={kpi.value ?? ''}>
      <div className="kpi-head">
        <h3>{label}</h3>
        <Badge status={kpi.status} />
      </div>
      <p className="kpi-value" data-testid={`kpi-value-${kpi.name}`}>
        {formatKpi(kpi.name, kpi.value)}
      </p>
      <dl className="kpi-facts">
        <div>
          <dt>Target</dt>
          <dd data-testid={`kpi-target-${kpi.name}`}>{formatKpi(kpi.name, kpi.target)}</dd>
        </div>
        <div>
          <dt>95% interval</dt>
          <dd>
            {kpi.interval
              ? `${formatKpi(kpi.name, kpi.interval.low)} – ${formatKpi(kpi.name, kpi.interval.high)}`
              : '—'}
          </dd>
        </div>
        <div>
          <dt>Sample</dt>
          <dd data-testid={`kpi-sample-${kpi.name}`}>{kpi.sampleSize.toLocaleString('en-US')}</dd>
        </div>
      </dl>
      <Sparkline values={values} target={kpi.target} label={`${label} trend`} width={220} />
    </div>
  );
}
