// How to authenticate to a Temporal cluster (Temporal Cloud or mTLS-less TLS): TEMPORAL_API_KEY turns on
// TLS with the key; TEMPORAL_TLS=true turns on TLS alone. The local dev server needs neither.
export function temporalConnectionOptions(): { apiKey?: string; tls?: true } {
  const apiKey = process.env.TEMPORAL_API_KEY;
  if (apiKey) return { apiKey, tls: true };
  return process.env.TEMPORAL_TLS === 'true' ? { tls: true } : {};
}
