// One readable line from a finding's evidence (count, shares, a few sample ids, other scalars) for alert texts.

const MAX_SAMPLE_IDS = 5;
const MAX_CHARS = 500;

function scalar(v: unknown): string | null {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e4) / 1e4);
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}…` : v;
  if (typeof v === 'boolean') return String(v);
  return null;
}

export function summarizeEvidence(evidence: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof evidence.count === 'number') parts.push(`count ${evidence.count}`);
  for (const [key, value] of Object.entries(evidence)) {
    if (key === 'count' || key === 'sampleIds') continue;
    const s = scalar(value);
    if (s != null) parts.push(`${key} ${s}`);
  }
  const ids = Array.isArray(evidence.sampleIds) ? evidence.sampleIds : [];
  if (ids.length) {
    const more = ids.length > MAX_SAMPLE_IDS ? ` (+${ids.length - MAX_SAMPLE_IDS} more)` : '';
    parts.push(`sample ids ${ids.slice(0, MAX_SAMPLE_IDS).join(', ')}${more}`);
  }
  const line = parts.join('; ') || 'no evidence recorded';
  return line.length > MAX_CHARS ? `${line.slice(0, MAX_CHARS - 1)}…` : line;
}
