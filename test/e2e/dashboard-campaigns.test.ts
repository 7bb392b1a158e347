// The Approvals page's campaigns in Chromium against the real api, worker, dev server and PostgreSQL: a
// campaign waiting for approval shows its cohort, recipients, expected impact, ramp and preview; one reason
// approves it from the page, its rollout sends, and it moves to "Recent campaigns". Screenshots at 1280×800
// and 1920×1080 go to .data/test/screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ensurePhaseCampaigns } from '../../activities/campaigns';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { processPlans } from '../../activities/effects/pipeline';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { setPolicy } from '../../db/repos/config';
import { campaignWorkflowId } from '../../engine/campaigns/campaign';
import type { ActionPlan } from '../../engine/types';
import { dataDir } from '../../platform/paths';
import { campaignRollout } from '../../workflows';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { setupE2E, type E2E } from './harness';

const SHOTS = path.join(dataDir, 'test', 'screenshots');
const NOW = new Date();
const USERS = 60;
let t: TestDb;
let w: TestWorker;
let e: E2E;
let browser: Browser;
let base: string;
let campaignId: string;

beforeAll(async () => {
  const executablePath = inject('chromium');
  if (executablePath.startsWith('error: ')) throw new Error(`The browser tests cannot run: ${executablePath.slice(7)}`);
  t = await createTestDb('e2e-dash-campaigns');
  w = await startTestWorker(t.db, { label: 'e2e-dash-campaigns' });
  e = await setupE2E('dash-campaigns', { db: t, taskQueue: w.taskQueue });
  base = await e.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  fs.mkdirSync(SHOTS, { recursive: true });

  // A live optimize phase that planned one onboarding nudge per recent signup, below the confidence gate.
  await setPolicy(t.db, 'holdout', { default: 0.1 }, 'test', 'a control group, as in production');
  await t.db('app.users').insert(
    Array.from({ length: USERS }, (_, i) => ({
      id: i + 1,
      email: `signup${i + 1}@example.com`,
      created_at: new Date(NOW.getTime() - 3 * 86_400_000),
    })),
  );
  await t.db('engine.cycles').insert({
    id: 'c-dash-campaign',
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: false,
    phases: ['optimize'],
    logical_now: NOW,
  });
  const plans: ActionPlan[] = Array.from({ length: USERS }, (_, i) => ({
    phase: 'optimize',
    type: 'onboarding_nudge',
    gateClass: 'optimization',
    targetType: 'user',
    targetId: String(i + 1),
    params: { userId: i + 1, template: 'onboarding_nudge_v1' },
    findingFingerprint: null,
    detectionConfidence: 0.9,
    expectedImpact: {},
    executable: true,
  }));
  const deps = {
    db: t.db,
    payments: createSandboxPaymentGateway(t.db, () => NOW),
    messenger: createOutboxMessenger(t.db),
    now: () => NOW,
  };
  await processPlans(deps, {
    cycleId: 'c-dash-campaign',
    phase: 'optimize',
    dryRun: false,
    now: NOW,
    plans,
    markPlanned: true,
    execute: false,
  });
  const ids = await ensurePhaseCampaigns(
    { db: t.db },
    { cycleId: 'c-dash-campaign', kind: 'cycle', dryRun: false, now: NOW.toISOString() },
    'optimize',
  );
  campaignId = ids[0]!;
  e.track(campaignWorkflowId(campaignId));
  await w.client.workflow.start(campaignRollout, {
    taskQueue: w.taskQueue,
    workflowId: campaignWorkflowId(campaignId),
    args: [{ campaignId }],
  });
  for (let i = 0; i < 100 && !(await t.db('engine.campaigns').where({ id: campaignId }).first()).workflow_id; i++)
    await new Promise((r) => setTimeout(r, 100));
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await w?.shutdown();
  await e?.close();
});

async function shoot(page: Page, name: string): Promise<void> {
  const vp = page.viewportSize()!;
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  expect(overflow, `${name} overflows horizontally by ${overflow}px`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SHOTS, `${name}-${vp.width}x${vp.height}.png`), fullPage: true });
}

it('shows a campaign awaiting approval with its preview and ramp, and approves it with one reason', async () => {
  for (const size of [
    { width: 1920, height: 1080 },
    { width: 1280, height: 800 },
  ]) {
    const ctx = await browser.newContext({ viewport: size });
    const page = await ctx.newPage();
    await page.goto(base);
    await page.getByLabel('API key').fill(e.keys.operator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Approvals', exact: false })
      .click();
    const card = page.getByTestId(`campaign-${campaignId}`);
    await card.waitFor();
    await expect.poll(() => card.textContent()).toMatch(/Onboarding nudge campaign/i);
    const text = (await card.textContent())!;
    expect(text).toMatch(/Cohort: signups of the last 1–14 days/);
    expect(text).toMatch(/60 targets → \d+ recipients · \d+ held out/);
    expect(text).toMatch(/Expected: [\d.]+ successes \(90% interval/);
    expect(await card.getByRole('list', { name: 'Rollout ramp' }).locator('li').count()).toBe(4);
    await card.getByText(/^Preview:/).click();
    await card.locator('.preview-text').waitFor();
    await shoot(page, 'approvals-campaign');
    await ctx.close();
  }

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(base);
  await page.getByLabel('API key').fill(e.keys.operator);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Approvals', exact: false }).click();
  const card = page.getByTestId(`campaign-${campaignId}`);
  await card.getByLabel('Reason').fill('the nudge copy was reviewed');
  await card.getByRole('button', { name: 'Approve' }).click();
  await card.getByRole('status').waitFor();
  await expect
    .poll(async () => (await t.db('engine.campaigns').where({ id: campaignId }).first()).status, { timeout: 60_000 })
    .toBe('completed');
  await page
    .getByRole('table', { name: 'Recent campaigns' })
    .getByText(/Onboarding nudge/i)
    .waitFor({ timeout: 20_000 });
  await shoot(page, 'approvals-campaign-done');
  const c = await t.db('engine.campaigns').where({ id: campaignId }).first();
  expect(c.decided_by).toBe('oscar-operator');
  expect(Number((await t.db('engine.outbox').count({ n: '*' }))[0]!.n)).toBe(c.recipients);
  await ctx.close();
}, 180_000);
