// The autonomy ladder: each action type's level (shadow → approval → auto), whether an admin pinned it,
// the evidence of the last evaluation (shadow decisions, outcomes, uplift interval, sample-ratio check)
// and what would move it next; for a message type its guardrails: per metric the treated and holdout rates,
// the always-valid p-value and interval and the verdict ("inconclusive" shown as such, never acted on).
import { api } from '../api';
import { Async, Badge, Panel } from './ui';
import { humanize, pct, relative } from '../format';
import { usePoll } from '../hooks';
import type { AutonomyLevel } from '../types';

const TONE = { shadow: 'muted', approval: 'warn', auto: 'ok' } as const;
const VERDICT_TONE = { ok: 'ok', inconclusive: 'muted', breach_minor: 'warn', breach_major: 'bad' } as const;
const ACTION_LABEL = { pause: 'campaigns paused', cancel_and_demote: 'campaigns cancelled, type demoted' } as const;

type Guardrails = NonNullable<AutonomyLevel['guardrails']>;

const pValue = (p: number) => (p >= 0.001 ? p.toFixed(3) : p.toExponential(1));

/** One line per metric; the verdict chip carries data-verdict (not data-status: the row has one level badge). */
function GuardrailList({ g }: { g: Guardrails }) {
  return (
    <div className="guardrails">
      {g.action && (
        <div className="small">
          <strong>{ACTION_LABEL[g.action]}</strong>
        </div>
      )}
      {g.metrics.map((m) => (
        <div key={m.metric} className="small" data-metric={m.metric} title={m.reason}>
          <span className={`badge badge-${VERDICT_TONE[m.verdict]}`} data-verdict={m.verdict}>
            {humanize(m.verdict)}
          </span>{' '}
          {humanize(m.metric)}: treated {pct(m.treated.rate, 2)} of {m.treated.actions} vs holdout{' '}
          {pct(m.holdout.rate, 2)} of {m.holdout.actions} · p {pValue(m.pValue)}
          {m.interval && ` · [${pct(m.interval.low, 2)}, ${pct(m.interval.high, 2)}]`}
        </div>
      ))}
    </div>
  );
}

interface Evidence {
  shadowDecisions?: number;
  outcomes?: number;
  uplift?: { uplift: number | null; interval: [number, number] | null } | null;
  srm?: { status: string; pValue: number | null; observed: { treated: number; holdout: number } } | null;
}

function evidenceLine(e: Evidence): string {
  const parts = [`${e.shadowDecisions ?? 0} shadow decisions`, `${e.outcomes ?? 0} outcomes`];
  const i = e.uplift?.interval;
  if (i) parts.push(`uplift [${pct(i[0])}, ${pct(i[1])}]`);
  if (e.srm)
    parts.push(
      e.srm.status === 'mismatch'
        ? `SRM: ${e.srm.observed.holdout} of ${e.srm.observed.treated + e.srm.observed.holdout} held out, p ${e.srm.pValue?.toExponential(1)}`
        : `split ${e.srm.status}`,
    );
  return parts.join(' · ');
}

export function AutonomyLadderPanel() {
  const ladder = usePoll(() => api<{ items: AutonomyLevel[] }>('/api/autonomous/autonomy'), 30_000);
  return (
    <Panel title="Autonomy ladder">
      <Async p={ladder} what="autonomy levels" isEmpty={(l) => l.items.length === 0} empty="No action types.">
        {(l) => (
          <div className="table-wrap table-scroll">
            <table className="table" aria-label="Autonomy ladder">
              <thead>
                <tr>
                  <th>Action type</th>
                  <th>Level</th>
                  <th>Why</th>
                  <th>Evidence</th>
                  <th>Next step</th>
                  <th>Guardrails (treated vs holdout)</th>
                </tr>
              </thead>
              <tbody>
                {l.items.map((x) => (
                  <tr key={x.actionType} data-testid={`autonomy-${x.actionType}`}>
                    <td>
                      <strong>{humanize(x.actionType)}</strong>
                      {x.levelSince && <div className="muted small">since {relative(x.levelSince)}</div>}
                    </td>
                    <td>
                      <Badge status={x.level} tone={TONE[x.level]} />
                      {x.pinned && (
                        <div className="muted small" title={x.pinnedReason ?? undefined}>
                          pinned by {x.pinnedBy}
                        </div>
                      )}
                    </td>
                    <td className="small">{x.reason}</td>
                    <td className="small evidence">{evidenceLine(x.evidence as Evidence)}</td>
                    <td className="small">{x.nextStep ?? 'evaluated at the next learn phase'}</td>
                    <td>
                      {x.guardrails ? <GuardrailList g={x.guardrails} /> : <span className="muted small">—</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </Panel>
  );
}
