// Number formatting for decision rationales: operators read these, so units are explicit.

/** 123456 cents → "$1,234.56". */
export function dollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents) / 100;
  return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** 0.1234 → "12.3%". */
export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

export function fixed(x: number, digits = 2): string {
  return x.toFixed(digits);
}

export function clamp01(x: number): number {
  return Math.min(Math.max(x, 0), 1);
}
