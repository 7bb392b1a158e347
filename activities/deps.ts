// The dependencies activities get by closure (docs/architecture.md): real ones in the worker, real ones
// pointed at test databases in tests. Nothing is monkey-patched.
import type { Db } from '../db/knex';
import type { AlertChannel } from './alerts/port';
import type { Messenger, PaymentGateway } from './effects/ports';

/** Starts the approval workflow of an action (Temporal in production and tests). */
export interface ApprovalStarter {
  start(req: {
    actionId: string;
    cycleId: string;
    deadline: Date;
    timeoutSeconds: number;
  }): Promise<{ workflowId: string; started: boolean }>;
}

export interface ActivityDeps {
  db: Db;
  payments: PaymentGateway;
  messenger: Messenger;
  approvals: ApprovalStarter;
  /** The configured alert channels by routing-policy name (empty: alerts are decided and nothing is sent). */
  alertChannels: ReadonlyMap<string, AlertChannel>;
  clock: () => Date;
}
