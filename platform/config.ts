// The process's configuration: every environment variable the engine, its tools and its tests read, parsed
// once with zod. A bad value stops the process with one line naming the variable, the value and what was
// expected (e.g. `PORT=abc: expected a port number 0-65535`), never a stack trace.
import { z } from 'zod';
import { parseSlackOperators } from './slack-operators';

const fail = (ctx: z.RefinementCtx, message: string) => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

const port = (min: 0 | 1) =>
  z.string().transform((raw, ctx) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > 65535) return fail(ctx, `expected a port number ${min}-65535`);
    return n;
  });

const positiveInt = z.string().transform((raw, ctx) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || !Number.isSafeInteger(n)) return fail(ctx, 'expected a whole number ≥ 1');
  return n;
});

const integer = z.string().transform((raw, ctx) => {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) return fail(ctx, 'expected a whole number');
  return n;
});

const BOOLEANS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };
const boolean = z.string().transform((raw, ctx) => {
  const v = BOOLEANS[raw.trim().toLowerCase()];
  return v ?? fail(ctx, 'expected true or false');
});

const url = (protocols: readonly string[]) =>
  z.string().transform((raw, ctx) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return fail(ctx, `expected a URL (${protocols.join(', ')})`);
    }
    if (!protocols.includes(u.protocol.slice(0, -1))) return fail(ctx, `expected a ${protocols.join(' or ')} URL`);
    return raw;
  });

// host:port, as Temporal and the worker's metrics endpoint take it (a bracketed IPv6 host included).
const hostPort = z.string().transform((raw, ctx) => {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(raw.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return fail(ctx, 'expected host:port, e.g. 127.0.0.1:7233');
  return raw.trim();
});

const PINO_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const oneOf = <const T extends readonly string[]>(values: T) =>
  z.string().transform((raw, ctx) => {
    const v = raw.trim().toLowerCase();
    return (values as readonly string[]).includes(v)
      ? (v as T[number])
      : fail(ctx, `expected one of ${values.join(', ')}`);
  });

export const PAYMENT_GATEWAYS = ['sandbox', 'stripe'] as const;
export const MESSENGERS = ['outbox', 'smtp', 'webhook'] as const;

// What each non-default adapter cannot run without: checked across fields, one line per missing variable.
const ADAPTER_NEEDS: Array<{ when: (c: Record<string, unknown>) => boolean; because: string; needs: string[] }> = [
  { when: (c) => c.PAYMENT_GATEWAY === 'stripe', because: 'PAYMENT_GATEWAY=stripe', needs: ['STRIPE_API_KEY'] },
  {
    when: (c) => c.MESSENGER === 'smtp',
    because: 'MESSENGER=smtp',
    needs: ['SMTP_URL', 'MAIL_FROM', 'UNSUBSCRIBE_SECRET'],
  },
  {
    // Buttons nobody can click are worse than no message: a Slack app needs its channel and its signing secret.
    when: (c) => c.SLACK_BOT_TOKEN !== undefined,
    because: 'SLACK_BOT_TOKEN is set',
    needs: ['SLACK_APPROVAL_CHANNEL', 'SLACK_SIGNING_SECRET'],
  },
  {
    when: (c) => c.MESSENGER === 'webhook',
    because: 'MESSENGER=webhook',
    needs: ['MESSAGE_WEBHOOK_URL', 'MESSAGE_WEBHOOK_SECRET'],
  },
  // The alert webhook is on when its URL is set, and a signed webhook needs its secret.
  {
    when: (c) => c.ALERT_WEBHOOK_URL !== undefined,
    because: 'ALERT_WEBHOOK_URL is set',
    needs: ['ALERT_WEBHOOK_SECRET'],
  },
  // The retraining pipeline is told where the dataset is: no notification without an export directory.
  {
    when: (c) => c.RETRAIN_WORKFLOW !== undefined,
    because: 'RETRAIN_WORKFLOW is set',
    needs: ['RETRAIN_TASK_QUEUE', 'RETRAIN_DIR'],
  },
  {
    when: (c) => c.RETRAIN_WEBHOOK_URL !== undefined,
    because: 'RETRAIN_WEBHOOK_URL is set',
    needs: ['RETRAIN_WEBHOOK_SECRET', 'RETRAIN_DIR'],
  },
];

const webhookSecret = z
  .string()
  .refine((v) => /^(whsec_)?[A-Za-z0-9+/]+={0,2}$/.test(v.trim()), 'expected a base64 secret, optionally whsec_…');

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when DATABASE_URL names a database other than the embedded demo server (loopback, EMBEDDED_PG_PORT). */
export function isPlatformDatabase(databaseUrl: string | undefined, embeddedPort: number): boolean {
  if (!databaseUrl) return false;
  const u = new URL(databaseUrl);
  return !(LOOPBACK_HOSTS.has(u.hostname) && Number(u.port || 5432) === embeddedPort);
}

const ObjectSchema = z.object({
  // Where the data lives; unset means the dev launchers start an embedded PostgreSQL.
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  EMBEDDED_PG_PORT: port(1).default(54329),
  // The Temporal cluster; unset means the dev launchers start (or reuse) the dev server of temporal-dev.yml.
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: boolean.default(false),
  TEMPORAL_TASK_QUEUE: z.string().default('floyo-engine'),
  TEMPORAL_UI_URL: url(['http', 'https']).optional(),
  TEMPORAL_CLI: z.string().optional(),
  XDG_CACHE_HOME: z.string().optional(),
  PORT: port(0).default(3000),
  HOST: z.string().default('127.0.0.1'),
  ENGINE_BOOTSTRAP_ADMIN_KEY: z.string().optional(),
  SEED_USERS: positiveInt.default(10_000),
  // Unset leaves each process its own default: the api logs at info, the Temporal runtime at warn.
  LOG_LEVEL: z
    .string()
    .transform((raw, ctx) => {
      const v = raw.trim().toLowerCase();
      return (PINO_LEVELS as readonly string[]).includes(v)
        ? (v as (typeof PINO_LEVELS)[number])
        : fail(ctx, `expected one of ${PINO_LEVELS.join(', ')}`);
    })
    .optional(),
  API_RATE_LIMIT_MAX: positiveInt.default(600),
  // `off` (or 0/false) disables the worker's Prometheus endpoint: null.
  WORKER_METRICS_ADDRESS: z
    .string()
    .transform((raw, ctx) =>
      ['off', '0', 'false'].includes(raw.trim().toLowerCase())
        ? null
        : hostPort.safeParse(raw).success
          ? raw.trim()
          : fail(ctx, 'expected host:port or off'),
    )
    .default('127.0.0.1:9464'),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  FLOYO_API_URL: url(['http', 'https']).default('http://127.0.0.1:3000'),
  FLOYO_API_KEY: z.string().optional(),
  // A second, isolated dev stack beside the shared one (the launcher's tests): its state dir and dev-server file.
  FLOYO_DATA_DIR: z.string().optional(),
  FLOYO_TEMPORAL_DEV_CONFIG: z.string().optional(),
  // Test tooling: the browser tests' Chromium and the fuzz test's size and seed.
  CHROMIUM_PATH: z.string().optional(),
  FUZZ_RUNS: positiveInt.default(25),
  FUZZ_SEED: integer.default(20261125),
  // Effect adapters (docs/adapters): the sandbox and the outbox need nothing outside PostgreSQL.
  PAYMENT_GATEWAY: oneOf(PAYMENT_GATEWAYS).default('sandbox'),
  STRIPE_API_KEY: z.string().optional(),
  // A mock or proxy in front of Stripe, e.g. stripe-mock's http://127.0.0.1:12111.
  STRIPE_API_BASE: url(['http', 'https']).optional(),
  MESSENGER: oneOf(MESSENGERS).default('outbox'),
  // smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465 (TLS from the first byte).
  SMTP_URL: url(['smtp', 'smtps']).optional(),
  MAIL_FROM: z
    .string()
    .refine((v) => /@[^\s@>]+>?\s*$/.test(v), 'expected an address such as Floyo <hello@floyo.example>')
    .optional(),
  UNSUBSCRIBE_SECRET: z.string().optional(),
  // Base of the links and the unsubscribe URL in emails; default FLOYO_API_URL.
  PUBLIC_BASE_URL: url(['http', 'https']).optional(),
  MESSAGE_WEBHOOK_URL: url(['http', 'https']).optional(),
  MESSAGE_WEBHOOK_SECRET: webhookSecret.optional(),
  // The model-retraining hook (docs/learning.md): unset RETRAIN_DIR means no export and no notification.
  RETRAIN_DIR: z.string().optional(),
  RETRAIN_WORKFLOW: z.string().optional(),
  RETRAIN_TASK_QUEUE: z.string().optional(),
  // Default: TEMPORAL_NAMESPACE.
  RETRAIN_NAMESPACE: z.string().optional(),
  RETRAIN_WEBHOOK_URL: url(['http', 'https']).optional(),
  RETRAIN_WEBHOOK_SECRET: webhookSecret.optional(),
  // Dry-run cycles export their dataset but notify the pipeline only when this is true.
  RETRAIN_IN_DRY_RUN: boolean.default(false),
  // Never write schema app (docs/connect-your-platform.md); unset: on exactly when DATABASE_URL is a platform database.
  APP_SCHEMA_READ_ONLY: boolean.optional(),
  // Alert channels (docs/alerts.md): each one is on when its variables are set.
  SLACK_WEBHOOK_URL: url(['https', 'http']).optional(),
  PAGERDUTY_ROUTING_KEY: z
    .string()
    .refine((v) => /^[A-Za-z0-9]{32}$/.test(v.trim()), 'expected the 32-character Events API v2 integration key')
    .optional(),
  // Default PagerDuty's public endpoint; tests point it at a local receiver.
  PAGERDUTY_EVENTS_URL: url(['http', 'https']).optional(),
  ALERT_WEBHOOK_URL: url(['http', 'https']).optional(),
  ALERT_WEBHOOK_SECRET: webhookSecret.optional(),
  // Approvals from Slack (docs/slack.md): the app's bot token posts and updates the approval messages.
  SLACK_BOT_TOKEN: z
    .string()
    .refine((v) => /^xox[a-z]-\S+$/.test(v.trim()), 'expected a Slack bot token (xoxb-…)')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  // A channel id (C…) or name the bot is a member of.
  SLACK_APPROVAL_CHANNEL: z.string().optional(),
  // Slack's Web API base, for tests and proxies (default https://slack.com/api/).
  SLACK_API_BASE: url(['http', 'https']).optional(),
  // The workspace's URL, for message permalinks (default https://slack.com, which redirects).
  SLACK_WORKSPACE_URL: url(['http', 'https']).default('https://slack.com'),
  SLACK_OPERATORS: z
    .string()
    .transform((raw, ctx) => {
      try {
        return parseSlackOperators(raw);
      } catch (err) {
        return fail(ctx, (err as Error).message);
      }
    })
    .optional(),
  // The outbox relay (MESSENGER=smtp|webhook): messages per batch, attempts before a message is failed, the first
  // retry's delay (doubling per attempt, at most an hour), and how long a claim holds a row (above one send's 10 s).
  OUTBOX_RELAY_BATCH_SIZE: positiveInt.default(50),
  OUTBOX_RELAY_MAX_ATTEMPTS: positiveInt.default(8),
  OUTBOX_RELAY_RETRY_SECONDS: positiveInt.default(30),
  OUTBOX_RELAY_LEASE_SECONDS: positiveInt.default(60),
});

export const ConfigSchema = ObjectSchema.superRefine((c, ctx) => {
  for (const rule of ADAPTER_NEEDS) {
    if (!rule.when(c)) continue;
    for (const name of rule.needs)
      if ((c as Record<string, unknown>)[name] === undefined)
        ctx.addIssue({ code: 'custom', path: [name], message: `required when ${rule.because}` });
  }
}).transform((c) => ({
  ...c,
  APP_SCHEMA_READ_ONLY: c.APP_SCHEMA_READ_ONLY ?? isPlatformDatabase(c.DATABASE_URL, c.EMBEDDED_PG_PORT),
}));

export type Config = z.infer<typeof ConfigSchema>;
export type Env = Record<string, string | undefined>;

/** Thrown by loadConfig: `message` is the one line to print. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SECRETS = new Set([
  'TEMPORAL_API_KEY',
  'ENGINE_BOOTSTRAP_ADMIN_KEY',
  'FLOYO_API_KEY',
  'STRIPE_API_KEY',
  'UNSUBSCRIBE_SECRET',
  'MESSAGE_WEBHOOK_SECRET',
  'SLACK_WEBHOOK_URL',
  'PAGERDUTY_ROUTING_KEY',
  'ALERT_WEBHOOK_SECRET',
  'RETRAIN_WEBHOOK_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
]);

/** The value as it may be printed: secrets hidden, a URL's password masked. */
function printable(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRETS.has(name)) return '***';
  return value.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, '$1***@');
}

/** Parses `env` (empty values count as unset); throws a ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(set);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    // An unset variable has no value to show: `STRIPE_API_KEY: required when PAYMENT_GATEWAY=stripe`.
    if (set[name] === undefined) return `${name}: ${issue.message}`;
    return `${name}=${printable(name, set[name])}: ${issue.message}`;
  });
  throw new ConfigError(lines.join('; '));
}

/** Whether the process's environment sets `name` itself (not left to the default), e.g. MESSENGER. */
export function setInEnvironment(name: keyof Config): boolean {
  const v = process.env[name];
  return v !== undefined && v !== '';
}

/** The environment for a child process: this one's, plus `overrides`. */
export function childEnv(overrides: Env = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

function loadOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

export const config: Config = loadOrExit();
