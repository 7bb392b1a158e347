// The overview's recovered-revenue card: what the payment retries brought back over the last 12 months,
// the denominator in words, the incremental recovery over the holdout with its 95% interval, a monthly
// sparkline and table, and the figures per decline code (docs/learning.md#recovered-revenue).
import { api } from '../api';
import { humanize, money, pct, points } from '../format';
import { usePoll } from '../hooks';
import type { RecoveredRevenue, RecoveryFigures } from '../types';
import { Sparkline } from './charts';
import { Async, Panel } from './ui';

const interval = (i: { low: number; high: number } | null, show: (v: number) => string) =>
  i ? `${show(i.low)} to ${show(i.high)}` : 'needs 20 charges in each group';

export function RecoveredRevenueCard() {
  const report = usePoll(() => api<RecoveredRevenue>('/api/autonomous/recovered-revenue?months=12'), 30_000);
  return (
    <Panel title="Recovered revenue · last 12 months" id="recovered-revenue">
      <Async
        p={report}
        what="recovered revenue"
        isEmpty={(r) => r.total.eligible.count === 0}
        empty="No failed charge has been admitted for a retry in a live cycle yet: the figures appear once live cycles retry payments."
      >
        {(r) => <Figures r={r} />}
      </Async>
    </Panel>
  );
}

function Figures({ r }: { r: RecoveredRevenue }) {
  const t = r.total;
  const inc = t.incremental;
  return (
    <div className="recovery" data-testid="recovered-revenue">
      <dl className="recovery-figures">
        <div>
          <dt>Recovered</dt>
          <dd className="recovery-value" data-testid="recovered-amount" data-value={t.recovered.amountCents}>
            {money(t.recovered.amountCents)}
          </dd>
          <dd className="muted small">{t.recovered.count.toLocaleString('en-US')} charges</dd>
        </div>
        <div>
          <dt>Recovery rate</dt>
          <dd className="recovery-value" data-testid="recovery-rate" data-value={t.recoveryRate ?? ''}>
            {pct(t.recoveryRate, 1)}
          </dd>
          <dd className="muted small">holdout {pct(t.holdoutRecoveryRate, 1)} without retries</dd>
        </div>
        <div>
          <dt>Incremental (vs holdout)</dt>
          <dd className="recovery-value" data-testid="incremental-amount" data-value={inc.amountCents ?? ''}>
            {inc.amountCents == null ? '—' : `${inc.amountCents >= 0 ? '+' : ''}${money(inc.amountCents)}`}
          </dd>
          <dd className="muted small" data-testid="incremental-interval">
            95% interval {interval(inc.amountInterval, money)}
          </dd>
        </div>
        <div>
          <dt>Incremental rate</dt>
          <dd className="recovery-value">{points(inc.rate)}</dd>
          <dd className="muted small">95% interval {interval(inc.rateInterval, points)}</dd>
        </div>
      </dl>
      <div className="recovery-row">
        <p className="recovery-denominator" data-testid="recovery-denominator">
          Of <strong>{t.eligible.count.toLocaleString('en-US')}</strong> failed charges ({money(t.eligible.amountCents)}
          ) eligible for a retry, {t.heldOut.count.toLocaleString('en-US')} were held out as the control group and{' '}
          {t.treated.count.toLocaleString('en-US')} treated; the engine retried{' '}
          {t.retried.count.toLocaleString('en-US')} of them and {t.recovered.count.toLocaleString('en-US')} are now
          paid. Eligible means a live cycle&apos;s gates admitted the retry; blocked retries and dry runs are not
          counted. The rate is recovered / treated; the incremental figure is what the treated charges recovered beyond
          the held-out charges&apos; rate.
        </p>
        <div className="recovery-trend">
          <span className="muted small">Recovered per month</span>
          <Sparkline
            values={r.byMonth.map((m) => m.recovered.amountCents)}
            label="Recovered revenue per month"
            width={260}
          />
        </div>
      </div>
      <div className="grid grid-two">
        <div className="table-wrap">
          <h3 className="recovery-sub">Per month</h3>
          <FiguresTable
            label="Recovered revenue per month"
            first="Month"
            rows={r.byMonth.filter((m) => m.eligible.count > 0).map((m) => ({ key: m.month, f: m }))}
          />
        </div>
        <div className="table-wrap">
          <h3 className="recovery-sub">Per decline code</h3>
          <FiguresTable
            label="Recovered revenue per decline code"
            first="Decline code"
            rows={r.byDeclineCode.map((c) => ({ key: humanize(c.declineCode), f: c }))}
          />
        </div>
      </div>
    </div>
  );
}

function FiguresTable({
  label,
  first,
  rows,
}: {
  label: string;
  first: string;
  rows: Array<{ key: string; f: RecoveryFigures }>;
}) {
  return (
    <table className="table table-compact" aria-label={label}>
      <thead>
        <tr>
          <th>{first}</th>
          <th className="num">Eligible</th>
          <th className="num">Retried</th>
          <th className="num">Recovered</th>
          <th className="num">Rate</th>
          <th className="num">Holdout</th>
          <th className="num">Incremental</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ key, f }) => (
          <tr key={key}>
            <td>{key}</td>
            <td className="num">{f.eligible.count}</td>
            <td className="num">{f.retried.count}</td>
            <td className="num">
              {money(f.recovered.amountCents)} <span className="muted small">({f.recovered.count})</span>
            </td>
            <td className="num">{pct(f.recoveryRate, 1)}</td>
            <td className="num">{pct(f.holdoutRecoveryRate, 1)}</td>
            <td className="num" title={`95% interval ${interval(f.incremental.amountInterval, money)}`}>
              {f.incremental.amountCents == null ? '—' : money(f.incremental.amountCents)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
