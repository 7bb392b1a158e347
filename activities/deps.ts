// The dependencies activities get by closure (docs/architecture.md): real ones in the worker, real ones
// pointed at test databases in tests. Nothing is monkey-patched.
import type { Db } from '../db/knex';
import type { RetrySettings } from '../engine/delivery/outbox-delivery';
import type { EffectPort } from '../engine/safety/effect-keys';
import type { AlertChannel } from './alerts/port';
import type { Messenger, PaymentGateway } from './effects/ports';
import type { RetrainingHook } from './retraining/hook';
import type { SlackApi } from './slack/web-api';

/** Starts the approval workflow of an action (Temporal in production and tests). */
export interface ApprovalStarter {
  start(req: {
    actionId: string;
    cycleId: string;
    deadline: Date;
    timeoutSeconds: number;
    /** Seconds before the deadline to remind at (policy approval.reminderLeadsHours), largest first. */
    reminderLeadsSeconds?: number[];
  }): Promise<{ workflowId: string; started: boolean }>;
}

/** Approvals from Slack (docs/slack.md): where requests go and what their links point at. */
export interface SlackApprovalSettings {
  api: SlackApi;
  channel: string;
  /** For permalinks, e.g. https://acme.slack.com. */
  workspaceUrl: string;
  /** The dashboard's approvals page, linked from each request. */
  approvalsUrl: string;
}

export interface RelaySettings extends RetrySettings {
  batchSize: number;
  /** How long a claim holds a row; past it a dead relay's rows are due again. Must exceed one send's timeout. */
  leaseSeconds: number;
}

/** The outbox relay's transport: MESSENGER=smtp or webhook. MESSENGER=outbox has none (the platform's mailer delivers). */
export interface OutboxRelay {
  channel: 'smtp' | 'webhook';
  transport: Messenger;
  settings: RelaySettings;
}

export interface ActivityDeps {
  db: Db;
  payments: PaymentGateway;
  messenger: Messenger;
  approvals: ApprovalStarter;
  /** The configured alert channels by routing-policy name; absent or empty: no alert is sent or recorded. */
  alertChannels?: ReadonlyMap<string, AlertChannel>;
  clock: () => Date;
  /** Null or absent: this worker relays nothing (MESSENGER=outbox). */
  outboxRelay?: OutboxRelay | null;
  /** The learn phase's dataset export and retraining notifications; absent or null: off (RETRAIN_DIR unset). */
  retraining?: RetrainingHook | null;
  /** Read-only mode (APP_SCHEMA_READ_ONLY): the ports whose adapter would write schema app; default none. */
  appWriteBlocked?: readonly EffectPort[];
  /** Null or absent: Slack is not configured, and the Slack activities do nothing. */
  slack?: SlackApprovalSettings | null;
}
