// The autonomy ladder: each action type's level (shadow → approval → auto), whether an admin pinned it,
// the evidence of the last evaluation (shadow decisions, outcomes, uplift interval, sample-ratio check)
// and what would move it next.
import { api } from '../api';
import { Async, Badge, Panel } from './ui';
import { humanize, pct, relative } from '../format';
import { usePoll } from '../hooks';
import type { AutonomyLevel } from '../types';

const TONE = { shadow: 'muted', approval: 'warn', auto: 'ok' } as const;

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
