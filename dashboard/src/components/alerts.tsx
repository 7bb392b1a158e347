// Who was told: each alert channel's health, and a finding's alert deliveries (opened on demand, then polled).
import { useState } from 'react';
import { api } from '../api';
import { Async, Badge } from './ui';
import { humanize, relative } from '../format';
import { usePoll } from '../hooks';
import type { AlertChannelHealth, AlertDelivery } from '../types';

export function AlertChannels() {
  const channels = usePoll(() => api<{ channels: AlertChannelHealth[] }>('/api/autonomous/alerts/channels'), 20_000);
  return (
    <Async
      p={channels}
      what="alert channels"
      isEmpty={(c) => c.channels.length === 0}
      empty="No alert channel is configured: set SLACK_WEBHOOK_URL, PAGERDUTY_ROUTING_KEY or ALERT_WEBHOOK_URL."
    >
      {(c) => (
        <div className="table-wrap">
          <table className="table" aria-label="Alert channels">
            <thead>
              <tr>
                <th>Channel</th>
                <th>Health</th>
                <th>Last success</th>
                <th>Last failure</th>
                <th>Delivered</th>
                <th>Pending</th>
                <th>Failed</th>
              </tr>
            </thead>
            <tbody>
              {c.channels.map((ch) => (
                <tr key={ch.channel} data-channel={ch.channel}>
                  <td>
                    <strong>{humanize(ch.channel)}</strong>
                    <div className="muted small">{ch.configured ? 'configured' : 'not configured'}</div>
                  </td>
                  <td>
                    <ChannelBadge ch={ch} />
                  </td>
                  <td className="small" title={ch.lastSuccessAt ?? ''}>
                    {ch.lastSuccessAt ? relative(ch.lastSuccessAt) : '—'}
                  </td>
                  <td className="small" title={ch.lastFailureAt ?? ''}>
                    {ch.lastFailureAt ? relative(ch.lastFailureAt) : '—'}
                    {ch.lastError && <div className="muted small evidence">{ch.lastError}</div>}
                  </td>
                  <td>{ch.delivered}</td>
                  <td>{ch.pending}</td>
                  <td>{ch.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Async>
  );
}

// Failing when the last attempt failed after the last success (or nothing ever got through), else healthy.
function ChannelBadge({ ch }: { ch: AlertChannelHealth }) {
  if (!ch.configured) return <Badge status="skipped" label="Off" />;
  const failing = ch.lastFailureAt != null && (ch.lastSuccessAt == null || ch.lastFailureAt > ch.lastSuccessAt);
  if (failing) return <Badge status="failed" label={ch.pending ? 'Failing — retrying' : 'Failing'} />;
  if (ch.lastSuccessAt) return <Badge status="delivered" label="Healthy" />;
  return <Badge status="info" label="No alerts yet" />;
}

export function FindingAlerts({ findingId }: { findingId: number }) {
  const [open, setOpen] = useState(false);
  const deliveries = usePoll(
    open ? () => api<{ items: AlertDelivery[] }>(`/api/autonomous/findings/${findingId}/alert-deliveries`) : null,
    open ? 15_000 : 0,
    [open, findingId],
  );
  return (
    <div className="finding-alerts">
      <button type="button" className="btn btn-small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? 'Hide alerts' : 'Alerts'}
      </button>
      {open && (
        <Async
          p={deliveries}
          what="alert deliveries"
          isEmpty={(d) => d.items.length === 0}
          empty="Nothing sent for this finding."
        >
          {(d) => (
            <ul className="list small" aria-label={`Alert deliveries of finding ${findingId}`}>
              {d.items.map((x) => (
                <li key={x.id} data-delivery={x.dedupeKey}>
                  <Badge status={x.status} /> {humanize(x.kind)} to <strong>{x.channel}</strong>
                  {x.dryRun ? ' (dry run)' : ''} · <span title={x.createdAt}>{relative(x.createdAt)}</span>
                  {x.attempts > 1 ? ` · ${x.attempts} attempts` : ''}
                  {x.lastError && <div className="muted">{x.lastError}</div>}
                </li>
              ))}
            </ul>
          )}
        </Async>
      )}
    </div>
  );
}
