// The autonomy ladder panel in Chromium against the real api and PostgreSQL: every type's level, a pinned
// type with who pinned it, a type in shadow, the evidence and the next step, and a message type's guardrails. Screenshot to
// .data/test/screenshots/autonomy-ladder-1280x800.png (a test artefact).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { learn } from '../../activities/learn';
import { ACTION_TYPES } from '../../engine/types';
import { dataDir } from '../../platform/paths';
import { insertCycle } from './fixtures';
import { setupE2E, type E2E } from './harness';

const SHOTS = path.join(dataDir, 'test', 'screenshots');
let e: E2E;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const executablePath = inject('chromium');
  if (executablePath.startsWith('error: ')) throw new Error(`The browser tests cannot run: ${executablePath.slice(7)}`);
  e = await setupE2E('dash-autonomy');
  base = await e.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  fs.mkdirSync(SHOTS, { recursive: true });
  // upgrade_offer has no row (a new type: shadow); retention_campaign is pinned at approval; one learn phase.
  await e.t.db('engine.autonomy_levels').where({ action_type: 'upgrade_offer' }).del();
  await e.app.inject({
    method: 'PUT',
    url: '/api/autonomous/autonomy/retention_campaign',
    headers: e.as('admin'),
    payload: { level: 'approval', reason: 'new campaign copy under review' },
  });
  await insertCycle(e.t.db, { id: 'dash-autonomy-learn' });
  const row = await e.t.db('engine.cycles').where({ id: 'dash-autonomy-learn' }).first();
  await learn(
    { db: e.t.db },
    { cycleId: row.id, kind: 'cycle', dryRun: true, now: new Date(row.logical_now).toISOString() },
  );
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await e?.close();
});

it('shows each type’s level, pin, evidence and next step on the Issues page', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(base);
  await page.getByLabel('API key').fill(e.keys.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Issues', exact: false }).click();
  const table = page.getByRole('table', { name: 'Autonomy ladder' });
  await table.waitFor();
  expect(await table.locator('tbody tr').count()).toBe(ACTION_TYPES.length);
  const offer = page.getByTestId('autonomy-upgrade_offer');
  expect(await offer.locator('[data-status]').getAttribute('data-status')).toBe('shadow');
  expect(await offer.textContent()).toMatch(/approval after 50 more shadow decisions/);
  const campaign = page.getByTestId('autonomy-retention_campaign');
  expect(await campaign.locator('[data-status]').getAttribute('data-status')).toBe('approval');
  expect(await campaign.textContent()).toMatch(/pinned by /);
  expect(await page.getByTestId('autonomy-retry_payment').locator('[data-status]').getAttribute('data-status')).toBe(
    'auto',
  );
  // Message types show their guardrails; with no measured actions yet every verdict is inconclusive.
  const guardrails = campaign.locator('[data-metric]');
  expect(await guardrails.count()).toBe(4);
  expect(
    new Set(
      await campaign.locator('[data-verdict]').evaluateAll((els) => els.map((el) => el.getAttribute('data-verdict'))),
    ),
  ).toEqual(new Set(['inconclusive']));
  expect(await campaign.textContent()).toMatch(/churn: treated — of 0 vs holdout — of 0 · p 1\.000/);
  expect(await page.getByTestId('autonomy-retry_payment').locator('[data-metric]').count()).toBe(0);
  await table.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'autonomy-ladder-1280x800.png'), fullPage: true });
  await ctx.close();
}, 60_000);
