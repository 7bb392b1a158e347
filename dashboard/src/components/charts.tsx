// Hand-rolled SVG charts: a half-circle gauge, a sparkline, adoption bars with intervals and a
// reliability diagram. Each has a text alternative (aria-label / <title>) so no value is colour- or shape-only.
import type { MlBucket } from '../types';

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));

export function Gauge({
  value,
  label,
  max = 100,
  display,
}: {
  value: number | null;
  label: string;
  max?: number;
  display?: (v: number) => string;
}) {
  const shown = value == null ? '—' : display ? display(value) : String(Math.round(value));
  const r = 52;
  const frac = value == null ? 0 : clamp01(value / max);
  const tone = value == null ? 'muted' : frac >= 0.8 ? 'ok' : frac >= 0.6 ? 'warn' : 'bad';
  const arc = (f: number) => {
    const a = Math.PI * (1 - f);
    return `${60 + r * Math.cos(a)} ${60 - r * Math.sin(a)}`;
  };
  return (
    <svg
      viewBox="0 0 120 68"
      className={`gauge gauge-${tone}`}
      role="img"
      aria-label={`${label}: ${value == null ? 'no value' : `${shown}${display ? '' : ` of ${max}`}`}`}
    >
      <path d={`M ${arc(0)} A ${r} ${r} 0 0 1 ${arc(1)}`} className="gauge-track" />
      {frac > 0 && <path d={`M ${arc(0)} A ${r} ${r} 0 0 1 ${arc(frac)}`} className="gauge-fill" />}
      <text x="60" y="58" textAnchor="middle" className="gauge-value">
        {shown}
      </text>
    </svg>
  );
}

export function Sparkline({
  values,
  target,
  label,
  width = 160,
  height = 36,
}: {
  values: Array<number | null>;
  target?: number;
  label: string;
  width?: number;
  height?: number;
}) {
  const nums = values.filter((v): v is number => v != null);
  if (nums.length < 2)
    return <span className="spark-empty">{nums.length === 0 ? 'no trend yet' : 'one cycle so far'}</span>;
  const all = target != null ? [...nums, target] : nums;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const pad = 3;
  const x = (i: number) => pad + (i * (width - 2 * pad)) / (values.length - 1);
  const y = (v: number) => height - pad - ((v - lo) * (height - 2 * pad)) / (hi - lo);
  let d = '';
  values.forEach((v, i) => {
    if (v != null) d += `${d === '' ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
  });
  const lastIdx = values.length - 1 - [...values].reverse().findIndex((v) => v != null);
  const last = values[lastIdx]!;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      className="spark"
      role="img"
      aria-label={`${label}: trend over ${nums.length} cycles, from ${nums[0]!.toFixed(3)} to ${last.toFixed(3)}`}
    >
      {target != null && (
        <line x1={pad} x2={width - pad} y1={y(target)} y2={y(target)} className="spark-target">
          <title>target {target}</title>
        </line>
      )}
      <path d={d} className="spark-line" />
      <circle cx={x(lastIdx)} cy={y(last)} r="2.5" className="spark-dot" />
    </svg>
  );
}

/** Adoption rate per confidence bucket, with its 95% interval as a whisker. */
export function AdoptionBars({ buckets }: { buckets: MlBucket[] }) {
  const w = 560,
    h = 220,
    left = 40,
    bottom = 40,
    top = 10;
  const bw = (w - left - 10) / Math.max(buckets.length, 1);
  const y = (v: number) => top + (1 - v) * (h - top - bottom);
  return (
    <svg viewBox={`0 0 ${w} ${h}`} className="chart" role="img" aria-label="Adoption rate by confidence bucket">
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={left} x2={w - 10} y1={y(t)} y2={y(t)} className="grid" />
          <text x={left - 6} y={y(t) + 4} textAnchor="end" className="axis">
            {t * 100}%
          </text>
        </g>
      ))}
      {buckets.map((b, i) => {
        const cx = left + i * bw + bw / 2;
        return (
          <g key={b.label}>
            <title>{`${b.label}: ${b.adoptionRate == null ? 'no data' : `${(b.adoptionRate * 100).toFixed(1)}% adopted`} (n=${b.n})`}</title>
            {b.adoptionRate != null && (
              <rect
                x={cx - bw * 0.35}
                width={bw * 0.7}
                y={y(b.adoptionRate)}
                height={y(0) - y(b.adoptionRate)}
                className="bar"
              />
            )}
            {b.adoptionInterval && (
              <line
                x1={cx}
                x2={cx}
                y1={y(b.adoptionInterval.high)}
                y2={y(b.adoptionInterval.low)}
                className="whisker"
              />
            )}
            <text x={cx} y={h - bottom + 14} textAnchor="middle" className="axis">
              {b.label}
            </text>
            <text x={cx} y={h - bottom + 28} textAnchor="middle" className="axis axis-n">
              n={b.n}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Observed adoption against mean confidence per bucket; the diagonal is perfect calibration. */
export function ReliabilityDiagram({
  points,
}: {
  points: Array<{ label: string; n: number; meanConfidence: number | null; adoptionRate: number | null }>;
}) {
  const s = 260,
    m = 40;
  const x = (v: number) => m + v * (s - 2 * m);
  const y = (v: number) => s - m - v * (s - 2 * m);
  const pts = points.filter((p) => p.meanConfidence != null && p.adoptionRate != null && p.n > 0);
  const maxN = Math.max(1, ...pts.map((p) => p.n));
  return (
    <svg
      viewBox={`0 0 ${s} ${s}`}
      className="chart chart-square"
      role="img"
      aria-label={`Reliability diagram over ${pts.length} confidence buckets`}
    >
      {[0, 0.5, 1].map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={y(0)} y2={y(1)} className="grid" />
          <line x1={x(0)} x2={x(1)} y1={y(t)} y2={y(t)} className="grid" />
          <text x={x(t)} y={s - m + 14} textAnchor="middle" className="axis">
            {t * 100}%
          </text>
          <text x={m - 6} y={y(t) + 4} textAnchor="end" className="axis">
            {t * 100}%
          </text>
        </g>
      ))}
      <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} className="diag">
        <title>perfect calibration</title>
      </line>
      <path
        d={pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.meanConfidence!)},${y(p.adoptionRate!)}`).join(' ')}
        className="spark-line"
      />
      {pts.map((p) => (
        <circle
          key={p.label}
          cx={x(p.meanConfidence!)}
          cy={y(p.adoptionRate!)}
          r={3 + 5 * Math.sqrt(p.n / maxN)}
          className="rel-dot"
        >
          <title>{`${p.label}: confidence ${(p.meanConfidence! * 100).toFixed(0)}%, adopted ${(p.adoptionRate! * 100).toFixed(0)}% (n=${p.n})`}</title>
        </circle>
      ))}
      <text x={s / 2} y={s - 4} textAnchor="middle" className="axis">
        mean confidence
      </text>
      <text x={8} y={s / 2} textAnchor="middle" className="axis" transform={`rotate(-90 8 ${s / 2})`}>
        adopted
      </text>
    </svg>
  );
}
