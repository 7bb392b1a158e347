// How to authenticate to a Temporal cluster (Temporal Cloud or mTLS-less TLS): TEMPORAL_API_KEY turns on
// TLS with the key; TEMPORAL_TLS=true turns on TLS alone. The local dev server needs neither.
import { config, type Config } from './config';

export function temporalConnectionOptions(cfg: Pick<Config, 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS'> = config): {
  apiKey?: string;
  tls?: true;
} {
  if (cfg.TEMPORAL_API_KEY) return { apiKey: cfg.TEMPORAL_API_KEY, tls: true };
  return cfg.TEMPORAL_TLS ? { tls: true } : {};
}
