// The config module: defaults, parsing of ports, booleans, URLs and levels, and the one-line error that
// names the variable, its (redacted) value and what was expected.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config';

const errorOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      EMBEDDED_PG_PORT: 54329,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TLS: false,
      TEMPORAL_TASK_QUEUE: 'floyo-engine',
      PORT: 3000,
      HOST: '127.0.0.1',
      SEED_USERS: 10_000,
      API_RATE_LIMIT_MAX: 600,
      WORKER_METRICS_ADDRESS: '127.0.0.1:9464',
      FLOYO_API_URL: 'http://127.0.0.1:3000',
    });
    for (const unset of [
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_API_KEY',
      'LOG_LEVEL',
      'XDG_CACHE_HOME',
    ] as const)
      expect(c[unset]).toBeUndefined();
  });

  it('treats an empty value as unset', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('parses ports, numbers, booleans, URLs and levels', () => {
    const c = loadConfig({
      PORT: '0',
      EMBEDDED_PG_PORT: '6543',
      API_RATE_LIMIT_MAX: '5',
      TEMPORAL_TLS: 'TRUE',
      TEMPORAL_ADDRESS: 'ns.a1b2.tmprl.cloud:7233',
      DATABASE_URL: 'postgresql://u:p@db:5432/floyo',
      LOG_LEVEL: 'Debug',
      WORKER_METRICS_ADDRESS: 'off',
    });
    expect(c).toMatchObject({
      PORT: 0,
      EMBEDDED_PG_PORT: 6543,
      API_RATE_LIMIT_MAX: 5,
      TEMPORAL_TLS: true,
      TEMPORAL_ADDRESS: 'ns.a1b2.tmprl.cloud:7233',
      DATABASE_URL: 'postgresql://u:p@db:5432/floyo',
      LOG_LEVEL: 'debug',
      WORKER_METRICS_ADDRESS: null,
    });
    expect(loadConfig({ TEMPORAL_TLS: 'no' }).TEMPORAL_TLS).toBe(false);
    expect(loadConfig({ WORKER_METRICS_ADDRESS: '0.0.0.0:9000' }).WORKER_METRICS_ADDRESS).toBe('0.0.0.0:9000');
  });

  it('names the variable, the value and what was expected, on one line', () => {
    expect(errorOf({ PORT: 'abc' })).toBe('PORT=abc: expected a port number 0-65535');
    expect(errorOf({ EMBEDDED_PG_PORT: '0' })).toBe('EMBEDDED_PG_PORT=0: expected a port number 1-65535');
    expect(errorOf({ PORT: '70000' })).toBe('PORT=70000: expected a port number 0-65535');
    expect(errorOf({ TEMPORAL_TLS: 'maybe' })).toBe('TEMPORAL_TLS=maybe: expected true or false');
    expect(errorOf({ TEMPORAL_ADDRESS: 'localhost' })).toBe(
      'TEMPORAL_ADDRESS=localhost: expected host:port, e.g. 127.0.0.1:7233',
    );
    expect(errorOf({ API_RATE_LIMIT_MAX: '1.5' })).toBe('API_RATE_LIMIT_MAX=1.5: expected a whole number ≥ 1');
    expect(errorOf({ LOG_LEVEL: 'loud' })).toBe(
      'LOG_LEVEL=loud: expected one of trace, debug, info, warn, error, fatal, silent',
    );
    expect(errorOf({ FLOYO_API_URL: 'ftp://x' })).toBe('FLOYO_API_URL=ftp://x: expected a http or https URL');
  });

  it('reports every bad variable in the one line', () => {
    expect(errorOf({ PORT: 'x', SEED_USERS: '-1' })).toBe(
      'PORT=x: expected a port number 0-65535; SEED_USERS=-1: expected a whole number ≥ 1',
    );
  });

  it('never prints a password or a key', () => {
    expect(errorOf({ DATABASE_URL: 'mysql://app:hunter2@db/floyo' })).toBe(
      'DATABASE_URL=mysql://app:***@db/floyo: expected a postgres or postgresql URL',
    );
  });

  describe('adapter selection', () => {
    it('defaults to the sandbox gateway and the outbox messenger, which need nothing', () => {
      expect(loadConfig({})).toMatchObject({ PAYMENT_GATEWAY: 'sandbox', MESSENGER: 'outbox' });
    });

    it('accepts stripe, smtp and webhook with their variables', () => {
      const c = loadConfig({
        PAYMENT_GATEWAY: 'Stripe',
        STRIPE_API_KEY: 'sk_test_123',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
        MESSENGER: 'smtp',
        SMTP_URL: 'smtp://u:p@127.0.0.1:1025',
        MAIL_FROM: 'Floyo <hello@floyo.example>',
        UNSUBSCRIBE_SECRET: 's3cret',
      });
      expect(c).toMatchObject({ PAYMENT_GATEWAY: 'stripe', MESSENGER: 'smtp', SMTP_URL: 'smtp://u:p@127.0.0.1:1025' });
      const w = loadConfig({
        MESSENGER: 'webhook',
        MESSAGE_WEBHOOK_URL: 'https://hooks.example/floyo',
        MESSAGE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      });
      expect(w.MESSENGER).toBe('webhook');
    });

    it('names the one missing variable of the selected adapter', () => {
      expect(errorOf({ PAYMENT_GATEWAY: 'stripe' })).toBe('STRIPE_API_KEY: required when PAYMENT_GATEWAY=stripe');
      expect(
        errorOf({ MESSENGER: 'smtp', SMTP_URL: 'smtp://127.0.0.1:1025', MAIL_FROM: 'Floyo <hello@floyo.example>' }),
      ).toBe('UNSUBSCRIBE_SECRET: required when MESSENGER=smtp');
      expect(errorOf({ MESSENGER: 'webhook', MESSAGE_WEBHOOK_SECRET: 'whsec_abcd' })).toBe(
        'MESSAGE_WEBHOOK_URL: required when MESSENGER=webhook',
      );
    });

    it('refuses an unknown adapter and malformed adapter variables, hiding secrets', () => {
      expect(errorOf({ PAYMENT_GATEWAY: 'paypal' })).toBe('PAYMENT_GATEWAY=paypal: expected one of sandbox, stripe');
      expect(errorOf({ MESSENGER: 'sms' })).toBe('MESSENGER=sms: expected one of outbox, smtp, webhook');
      expect(errorOf({ SMTP_URL: 'http://mail:25' })).toBe('SMTP_URL=http://mail:25: expected a smtp or smtps URL');
      expect(errorOf({ SMTP_URL: 'smtp://u:hunter2@mail:25', MAIL_FROM: 'nobody' })).toBe(
        'MAIL_FROM=nobody: expected an address such as Floyo <hello@floyo.example>',
      );
      expect(errorOf({ MESSAGE_WEBHOOK_SECRET: 'not base64!' })).toBe(
        'MESSAGE_WEBHOOK_SECRET=***: expected a base64 secret, optionally whsec_…',
      );
    });
  });
  describe('alert channels', () => {
    it('turns a channel on by its variables, with PagerDuty and the signed webhook checked', () => {
      const c = loadConfig({
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
        PAGERDUTY_ROUTING_KEY: 'R0123456789ABCDEF0123456789ABCDE',
        PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9999/v2/enqueue',
        ALERT_WEBHOOK_URL: 'https://alerts.example/floyo',
        ALERT_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      });
      expect(c.PAGERDUTY_EVENTS_URL).toBe('http://127.0.0.1:9999/v2/enqueue');
      expect(loadConfig({}).SLACK_WEBHOOK_URL).toBeUndefined();
    });

    it('names the bad alert variable in one line, hiding secrets', () => {
      expect(errorOf({ PAGERDUTY_ROUTING_KEY: 'short' })).toBe(
        'PAGERDUTY_ROUTING_KEY=***: expected the 32-character Events API v2 integration key',
      );
      expect(errorOf({ SLACK_WEBHOOK_URL: 'hooks.slack.com/x' })).toBe(
        'SLACK_WEBHOOK_URL=***: expected a URL (https, http)',
      );
      expect(errorOf({ ALERT_WEBHOOK_URL: 'https://alerts.example/floyo' })).toBe(
        'ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set',
      );
      expect(errorOf({ PAGERDUTY_EVENTS_URL: 'ftp://pd' })).toBe(
        'PAGERDUTY_EVENTS_URL=ftp://pd: expected a http or https URL',
      );
    });
  });

  describe('outbox relay', () => {
    it('has the documented defaults and takes whole numbers', () => {
      expect(loadConfig({})).toMatchObject({
        OUTBOX_RELAY_BATCH_SIZE: 50,
        OUTBOX_RELAY_MAX_ATTEMPTS: 8,
        OUTBOX_RELAY_RETRY_SECONDS: 30,
        OUTBOX_RELAY_LEASE_SECONDS: 60,
      });
      expect(loadConfig({ OUTBOX_RELAY_BATCH_SIZE: '200' }).OUTBOX_RELAY_BATCH_SIZE).toBe(200);
    });

    it('names a bad setting in one line', () => {
      expect(errorOf({ OUTBOX_RELAY_MAX_ATTEMPTS: '0' })).toBe(
        'OUTBOX_RELAY_MAX_ATTEMPTS=0: expected a whole number ≥ 1',
      );
      expect(errorOf({ OUTBOX_RELAY_LEASE_SECONDS: 'soon' })).toBe(
        'OUTBOX_RELAY_LEASE_SECONDS=soon: expected a whole number ≥ 1',
      );
    });
  });

  describe('the retraining hook and read-only mode', () => {
    it('is off by default; a pipeline needs its task queue and the export directory', () => {
      const c = loadConfig({});
      expect(c.RETRAIN_DIR).toBeUndefined();
      expect(c.RETRAIN_IN_DRY_RUN).toBe(false);
      expect(errorOf({ RETRAIN_WORKFLOW: 'retrainModel', RETRAIN_DIR: '/var/floyo/retrain' })).toBe(
        'RETRAIN_TASK_QUEUE: required when RETRAIN_WORKFLOW is set',
      );
      expect(errorOf({ RETRAIN_WEBHOOK_URL: 'https://ml.example/hook', RETRAIN_WEBHOOK_SECRET: 'whsec_abcd' })).toBe(
        'RETRAIN_DIR: required when RETRAIN_WEBHOOK_URL is set',
      );
      expect(errorOf({ RETRAIN_WEBHOOK_SECRET: 'not base64!' })).toBe(
        'RETRAIN_WEBHOOK_SECRET=***: expected a base64 secret, optionally whsec_…',
      );
      expect(
        loadConfig({ RETRAIN_DIR: 'x', RETRAIN_WORKFLOW: 'retrainModel', RETRAIN_TASK_QUEUE: 'ml' }),
      ).toMatchObject({ RETRAIN_WORKFLOW: 'retrainModel', RETRAIN_TASK_QUEUE: 'ml' });
    });

    it('APP_SCHEMA_READ_ONLY defaults to on for a platform database and off for the embedded one', () => {
      expect(loadConfig({}).APP_SCHEMA_READ_ONLY).toBe(false);
      expect(loadConfig({ DATABASE_URL: 'postgres://floyo@127.0.0.1:54329/floyo' }).APP_SCHEMA_READ_ONLY).toBe(false);
      expect(
        loadConfig({ DATABASE_URL: 'postgres://floyo@localhost:6000/x', EMBEDDED_PG_PORT: '6000' })
          .APP_SCHEMA_READ_ONLY,
      ).toBe(false);
      expect(loadConfig({ DATABASE_URL: 'postgres://floyo@db.internal/platform' }).APP_SCHEMA_READ_ONLY).toBe(true);
      expect(loadConfig({ DATABASE_URL: 'postgres://floyo@127.0.0.1:5432/platform' }).APP_SCHEMA_READ_ONLY).toBe(true);
      expect(
        loadConfig({ DATABASE_URL: 'postgres://floyo@db.internal/platform', APP_SCHEMA_READ_ONLY: 'false' })
          .APP_SCHEMA_READ_ONLY,
      ).toBe(false);
      expect(loadConfig({ APP_SCHEMA_READ_ONLY: 'true' }).APP_SCHEMA_READ_ONLY).toBe(true);
      expect(errorOf({ APP_SCHEMA_READ_ONLY: 'sometimes' })).toBe(
        'APP_SCHEMA_READ_ONLY=sometimes: expected true or false',
      );
    });
  });
});
