// Formatting shared by the pages and the browser tests (which check the page shows the api's values).
// Pure functions, no DOM.

/** KPIs that are ratios rather than rates (shown as "3.20×" instead of a percentage). */
const RATIO_KPIS = new Set(['ltv_cac']);

export const KPI_LABELS: Record<string, string> = {
  activation_rate: 'Activation rate',
  d7_retention: 'D7 retention',
  signup_to_activation: 'Signup → activation',
  ltv_cac: 'LTV : CAC',
};

export function formatKpi(name: string, value: number | null | undefined): string {
  if (value == null || Number.isNaN(value)) return '—';
  return RATIO_KPIS.has(name) ? `${value.toFixed(2)}×` : `${(value * 100).toFixed(1)}%`;
}

export const pct = (v: number | null | undefined, digits = 0) => (v == null ? '—' : `${(v * 100).toFixed(digits)}%`);
export const score = (v: number | null | undefined) => (v == null ? '—' : String(Math.round(v)));

export function duration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return '—';
  const ms = new Date(to).getTime() - new Date(from).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const unit =
    abs < 60_000
      ? [Math.round(abs / 1000), 's']
      : abs < 3_600_000
        ? [Math.round(abs / 60_000), 'min']
        : abs < 86_400_000
          ? [Math.round(abs / 3_600_000), 'h']
          : [Math.round(abs / 86_400_000), 'd'];
  return diff >= 0 ? `in ${unit[0]} ${unit[1]}` : `${unit[0]} ${unit[1]} ago`;
}

export const dateTime = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';

export const humanize = (s: string) => s.replace(/_/g, ' ');

/** Short "key: value" list of an evidence or params object, for table cells. */
export function summarize(obj: Record<string, unknown> | null | undefined, max = 4): string {
  if (!obj) return '';
  return Object.entries(obj)
    .slice(0, max)
    .map(
      ([k, v]) =>
        `${humanize(k)}: ${typeof v === 'object' ? (Array.isArray(v) ? `[${v.slice(0, 5).join(', ')}${v.length > 5 ? ', …' : ''}]` : '{…}') : String(v)}`,
    )
    .join(' · ');
}

/** An amount in cents as dollars: whole dollars from $1,000 up, cents below. */
export function money(cents: number | null | undefined): string {
  if (cents == null || Number.isNaN(cents)) return '—';
  const dollars = cents / 100;
  const digits = Math.abs(dollars) >= 1000 ? 0 : 2;
  const text = Math.abs(dollars).toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${dollars < 0 ? '−' : ''}$${text}`;
}

/** A difference of rates in percentage points, signed: "+12.5 pp". */
export const points = (v: number | null | undefined) =>
  v == null ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)} pp`;
