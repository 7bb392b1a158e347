// ML feedback: how users answer the platform's suggestions — adoption by confidence bucket and a
// reliability diagram (is a 70%-confident suggestion adopted 70% of the time?).
import { api } from '../api';
import { AdoptionBars, ReliabilityDiagram } from '../components/charts';
import { Async, Panel } from '../components/ui';
import { pct } from '../format';
import { usePoll } from '../hooks';
import type { MlFeedback, MlQuality } from '../types';

export function Ml() {
  const feedback = usePoll(() => api<MlFeedback>('/api/ml/feedback'), 30_000);
  const quality = usePoll(() => api<MlQuality>('/api/ml/suggestion-quality'), 30_000);
  return (
    <div className="page">
      <div className="grid grid-ml">
        <Panel title="Adoption by confidence">
          <Async
            p={feedback}
            what="feedback"
            isEmpty={(f) => f.resolved === 0}
            empty="No resolved suggestions yet: nothing to measure."
          >
            {(f) => (
              <>
                <p>
                  {f.resolved.toLocaleString('en-US')} resolved suggestions: {f.applied.toLocaleString('en-US')}{' '}
                  applied, {f.dismissed.toLocaleString('en-US')} dismissed — adoption{' '}
                  <strong>{pct(f.adoptionRate, 1)}</strong>.
                </p>
                <AdoptionBars buckets={f.buckets} />
                <p className="small muted">Bars: share applied per confidence bucket; whiskers: 95% interval.</p>
              </>
            )}
          </Async>
        </Panel>
        <Panel title="Reliability">
          <Async
            p={quality}
            what="suggestion quality"
            isEmpty={(q) => q.resolved === 0}
            empty="No resolved suggestions yet."
          >
            {(q) => (
              <>
                <ReliabilityDiagram points={q.reliability} />
                <dl className="facts">
                  <div>
                    <dt>Expected calibration error</dt>
                    <dd>{pct(q.calibration.ece, 1)}</dd>
                  </div>
                  <div>
                    <dt>Brier score</dt>
                    <dd>
                      {q.calibration.brier?.toFixed(3) ?? '—'}{' '}
                      <span className="muted small">(base rate {q.calibration.brierReference?.toFixed(3) ?? '—'})</span>
                    </dd>
                  </div>
                  <div>
                    <dt>Mean confidence, applied vs dismissed</dt>
                    <dd>
                      {pct(q.quality.meanConfidenceApplied, 1)} vs {pct(q.quality.meanConfidenceDismissed, 1)}
                    </dd>
                  </div>
                </dl>
                <p className="small muted">
                  Points on the diagonal are well calibrated; below it the model is over-confident. Dot size:
                  suggestions in the bucket.
                </p>
              </>
            )}
          </Async>
        </Panel>
      </div>
    </div>
  );
}
