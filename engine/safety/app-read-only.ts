// Read-only mode (APP_SCHEMA_READ_ONLY): the engine never writes schema app. Which effect ports would write it
// depends on the adapters — the sandbox gateway records retries on app.payments, the SQL data fixer updates
// app.subscriptions and app.users — and the gate blocks an action whose effect goes through such a port.
import type { ActionType, GateOutcome } from '../types';
import { effectPortOf, type EffectPort } from './effect-keys';

const WRITES_APP: Readonly<Record<EffectPort, string>> = {
  payments: 'the sandbox payment gateway writes app.payments',
  data: 'the SQL data fixer writes app.subscriptions and app.users',
  messenger: '',
};

/** The ports whose adapter would write schema app: none unless read-only, then the data fixer and the sandbox. */
export function appWritingPorts(s: { readOnly: boolean; paymentGateway: string }): EffectPort[] {
  if (!s.readOnly) return [];
  return s.paymentGateway === 'sandbox' ? ['payments', 'data'] : ['data'];
}

/** Blocks the type when its effect's port is one of `blocked`; null when the mode does not concern it. */
export function appReadOnlyGate(type: ActionType, blocked: readonly EffectPort[]): GateOutcome | null {
  const port = effectPortOf(type);
  if (!port || !blocked.includes(port)) return null;
  return {
    gate: 'app_read_only',
    passed: false,
    reason: `schema app is read-only (APP_SCHEMA_READ_ONLY): ${WRITES_APP[port]}, so ${type} is left to the platform`,
    details: { port },
  };
}
