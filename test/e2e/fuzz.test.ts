// Property-based fuzzing of every route (fast-check): random path parameters, query strings and
// bodies (JSON of any shape, malformed JSON, known field names with wrong values) never yield a 5xx,
// and every error is application/problem+json. Called with an admin key, which reaches the most code.
// Unsigned, the Slack endpoint answers 401 to all of it; a second property signs random form bodies as Slack would,
// so its parsing and user mapping are fuzzed too (400 / 403 / 404, never 5xx).
// FUZZ_SEED reproduces a run; FUZZ_RUNS raises the number of cases per route.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature } from '../../api/slack-signature';
import { config } from '../../platform/config';
import { SLACK_APPROVE_ACTION_ID, SLACK_REJECT_ACTION_ID } from '../../platform/slack-approval-message';
import { E2E_SLACK_SECRET, setupE2E, type E2E } from './harness';

const RUNS = config.FUZZ_RUNS;
const SEED = config.FUZZ_SEED;

interface Operation {
  method: string;
  template: string;
  queryNames: string[];
  bodyNames: string[];
}

let e: E2E;
let operations: Operation[];
beforeAll(async () => {
  e = await setupE2E('fuzz');
  const doc = (await e.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Array<{ in: string; name: string }>;
          requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
        }
      >
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      bodyNames: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
    })),
  );
});
afterAll(async () => {
  await e?.close();
});

const weirdText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '-1',
    '0',
    '1e309',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '%',
    '%00',
    "' or 1=1 --",
    'a'.repeat(300),
    '🙂',
    '2026-13-45T99:99:99Z',
  ),
  fc.integer().map(String),
  fc.double().map(String),
);

const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), weirdText);

function pathParam(): fc.Arbitrary<string> {
  return fc.oneof(
    weirdText.map((s) => encodeURIComponent(s) || 'x'),
    fc.stringMatching(/^[A-Za-z0-9._:-]{1,60}$/),
    fc.constantFrom('%zz', '%E0%A4%A', 'a%2Fb'),
  );
}

function queryFor(op: Operation): fc.Arbitrary<string> {
  const name = op.queryNames.length
    ? fc.oneof(fc.constantFrom(...op.queryNames), fc.string({ maxLength: 10 }))
    : fc.string({ maxLength: 10 });
  return fc.array(fc.tuple(name, weirdText), { maxLength: 4 }).map((pairs) => {
    const q = new URLSearchParams();
    for (const [k, v] of pairs) q.append(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  });
}

type Payload = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string };

function bodyFor(op: Operation): fc.Arbitrary<Payload> {
  const known = op.bodyNames.length
    ? fc
        .dictionary(fc.constantFrom(...op.bodyNames), anyValue, { maxKeys: op.bodyNames.length })
        .map((value) => ({ kind: 'json' as const, value }))
    : fc.constant({ kind: 'none' as const });
  return fc.oneof(
    fc.constant({ kind: 'none' as const }),
    known,
    anyValue.map((value) => ({ kind: 'json' as const, value })),
    fc.record({
      kind: fc.constant('raw' as const),
      text: fc.oneof(fc.string({ maxLength: 50 }), fc.constantFrom('{', '{"a":', 'null', '[1,', '\u0000')),
      contentType: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
      ),
    }),
  );
}

describe('fuzzing every route', () => {
  it('never answers 5xx, and every error is problem+json', async () => {
    expect(operations.length).toBeGreaterThan(30);
    const failures: string[] = [];
    const statuses = new Set<number>();
    for (const op of operations) {
      const params = (op.template.match(/\{\w+\}/g) ?? []).map(() => pathParam());
      const property = fc.asyncProperty(
        fc.tuple(...params, fc.constant(null)),
        queryFor(op),
        bodyFor(op),
        async (values, query, body) => {
          let i = 0;
          const url = op.template.replace(/\{\w+\}/g, () => String(values[i++])) + query;
          const res = await e.app.inject({
            method: op.method as 'GET',
            url,
            headers: {
              ...e.as('admin'),
              ...(body.kind === 'raw' ? { 'content-type': body.contentType } : {}),
            },
            ...(body.kind === 'json'
              ? {
                  payload: JSON.stringify(body.value) ?? 'null',
                  headers: { ...e.as('admin'), 'content-type': 'application/json' },
                }
              : {}),
            ...(body.kind === 'raw' ? { payload: body.text } : {}),
          });
          statuses.add(res.statusCode);
          if (res.statusCode === 202) {
            const id = (res.json() as { cycleId?: string }).cycleId;
            if (id) e.track(id);
          }
          if (res.statusCode >= 500) {
            failures.push(
              `${op.method} ${url} ${JSON.stringify(body).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`,
            );
            return false;
          }
          if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) {
            failures.push(
              `${op.method} ${url} → ${res.statusCode} with content-type ${String(res.headers['content-type'])}`,
            );
            return false;
          }
          return true;
        },
      );
      await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: true }).catch(() => undefined);
    }
    expect(failures).toEqual([]);
    // The inputs reach past validation too, not only the 400 path.
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400, 404]));
  }, 300_000);
});

const slackClick = fc.record({
  type: fc.oneof(fc.constant('block_actions'), weirdText),
  user: fc.oneof(fc.record({ id: fc.constantFrom('UOSCAR', 'UNOBODY', '') }), anyValue),
  actions: fc.oneof(
    fc.array(
      fc.record({
        action_id: fc.oneof(fc.constantFrom(SLACK_APPROVE_ACTION_ID, SLACK_REJECT_ACTION_ID), weirdText),
        value: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,60}$/), weirdText),
      }),
      { maxLength: 2 },
    ),
    anyValue,
  ),
});

describe('fuzzing the Slack interaction endpoint with signed requests', () => {
  it('never answers 5xx, and every error is problem+json', async () => {
    const failures: string[] = [];
    const statuses = new Set<number>();
    const body = fc.oneof(
      slackClick.map((p) => new URLSearchParams({ payload: JSON.stringify(p) }).toString()),
      anyValue.map((v) => new URLSearchParams({ payload: JSON.stringify(v) ?? '' }).toString()),
      weirdText,
    );
    await fc
      .assert(
        fc.asyncProperty(body, async (raw) => {
          const timestamp = String(Math.floor(Date.now() / 1000));
          const res = await e.app.inject({
            method: 'POST',
            url: '/api/integrations/slack/interactions',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-slack-request-timestamp': timestamp,
              'x-slack-signature': slackSignature(E2E_SLACK_SECRET, timestamp, raw),
            },
            payload: raw,
          });
          statuses.add(res.statusCode);
          const ok =
            res.statusCode < 500 &&
            (res.statusCode < 400 || String(res.headers['content-type']).startsWith('application/problem+json'));
          if (!ok) failures.push(`${raw.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
          // A signed request is never refused as unsigned.
          if (res.statusCode === 401) failures.push(`${raw.slice(0, 200)} → 401 ${res.body.slice(0, 200)}`);
          return ok;
        }),
        {
          numRuns: RUNS * 4,
          seed: SEED,
          endOnFailure: true,
          // Always among the cases: an unmapped user (403) and a mapped one deciding an unknown action (404).
          examples: ['UNOBODY', 'UOSCAR'].map((id) => [
            new URLSearchParams({
              payload: JSON.stringify({
                type: 'block_actions',
                user: { id },
                actions: [{ action_id: SLACK_APPROVE_ACTION_ID, value: 'fuzz-no-such-action' }],
              }),
            }).toString(),
          ]),
        },
      )
      .catch(() => undefined);
    expect(failures).toEqual([]);
    // Past the signature: malformed clicks, unmapped users and unknown actions.
    expect([...statuses]).toEqual(expect.arrayContaining([400, 403, 404]));
  }, 120_000);
});
