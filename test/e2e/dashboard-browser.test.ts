// The operator dashboard in a real browser (Debian's Chromium via playwright-core) against the real
// api, worker, Temporal dev server and PostgreSQL: sign-in errors, a dry-run cycle run from the page,
// the overview's KPI values against the api's, an approval decided from the queue, the viewer's view,
// and the api-down state. Screenshots of every page at 1280×800 and 1920×1080 go to
// .data/test/screenshots (test artefacts).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatKpi, money, pct } from '../../dashboard/src/format';
import { classifyDecline } from '../../engine/detectors/decline-codes';
import { dataDir } from '../../platform/paths';
import { seedDemoData } from '../../scripts/seed/generate';
import { actionApproval } from '../../workflows';
import { approvalWorkflowId, type ApprovalInput } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { insertAction, insertCycle, insertRecoveryCharges } from './fixtures';
import { setupE2E, type E2E } from './harness';

const SHOTS = path.join(dataDir, 'test', 'screenshots');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

let t: TestDb;
let w: TestWorker;
let e: E2E;
let browser: Browser;
let base: string;
let cycleId: string;

beforeAll(async () => {
  const executablePath = inject('chromium');
  if (executablePath.startsWith('error: ')) throw new Error(`The browser tests cannot run: ${executablePath.slice(7)}`);
  t = await createTestDb('e2e-dashboard');
  await seedDemoData(t.db, { users: 2000, seed: 7, now: new Date() });
  w = await startTestWorker(t.db, { label: 'e2e-dash' });
  e = await setupE2E('dashboard', { db: t, taskQueue: w.taskQueue });
  base = await e.app.listen({ host: '127.0.0.1', port: 0 });
  // --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  fs.mkdirSync(SHOTS, { recursive: true });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await w?.shutdown();
  await e?.close(); // also drops the database
});

async function signIn(
  key: string,
  size: { width: number; height: number } = SIZES[0],
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: size });
  const page = await ctx.newPage();
  await page.goto(base);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  return { ctx, page };
}

/** Full-page screenshot, after checking nothing overflows the viewport sideways (a broken layout). */
async function shoot(page: Page, name: string): Promise<void> {
  const vp = page.viewportSize()!;
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  expect(overflow, `${name} at ${vp.width}×${vp.height} overflows horizontally by ${overflow}px`).toBeLessThanOrEqual(
    0,
  );
  await page.screenshot({ path: path.join(SHOTS, `${name}-${vp.width}x${vp.height}.png`), fullPage: true });
}

const nav = (page: Page, label: string) =>
  page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label, exact: false }).click();

describe('the operator dashboard in Chromium', () => {
  it('says explicitly when a key is rejected', async () => {
    const ctx = await browser.newContext({ viewport: SIZES[0] });
    const page = await ctx.newPage();
    await page.goto(base);
    await shoot(page, 'sign-in');
    await page.getByLabel('API key').fill('not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('auth-error').textContent()).toContain('Key rejected');
    await ctx.close();
  });

  it('runs a dry-run cycle from the Controls page and shows it progress to completion', async () => {
    const { ctx, page } = await signIn(e.keys.operator);
    await nav(page, 'Controls');
    await page.getByRole('button', { name: 'Run dry-run cycle' }).click();
    const run = page.locator('[data-testid^="run-cycle-"]').first();
    await run.waitFor();
    cycleId = (await run.getAttribute('data-testid'))!.slice('run-'.length);
    e.track(cycleId);
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 170_000, interval: 1000 }).toBe('completed');
    // Every phase shows as completed in the stepper, as the api says.
    await expect.poll(() => run.locator('.step-completed').count(), { timeout: 10_000 }).toBe(7);
    const api = (
      await e.app.inject({ method: 'GET', url: `/api/autonomous/cycles/${cycleId}`, headers: e.as('viewer') })
    ).json();
    expect(api).toMatchObject({ status: 'completed', dryRun: true, requestedBy: 'oscar-operator' });
    await shoot(page, 'controls-operator');
    await ctx.close();
  }, 200_000);

  it('shows on the overview the KPI values the api serves, and every page lays out at both sizes', async () => {
    const state = (
      await e.app.inject({ method: 'GET', url: '/api/autonomous/system-state', headers: e.as('viewer') })
    ).json();
    expect(state.cycleId).toBe(cycleId);
    expect(state.kpis).toHaveLength(4);
    for (const size of SIZES) {
      const { ctx, page } = await signIn(e.keys.admin, size);
      for (const k of state.kpis as Array<{ name: string; value: number | null; target: number; sampleSize: number }>) {
        const card = page.getByTestId(`kpi-${k.name}`);
        await card.waitFor();
        expect(await card.getAttribute('data-value')).toBe(k.value == null ? '' : String(k.value));
        expect(await page.getByTestId(`kpi-value-${k.name}`).textContent()).toBe(formatKpi(k.name, k.value));
        expect(await page.getByTestId(`kpi-target-${k.name}`).textContent()).toBe(formatKpi(k.name, k.target));
        expect(await page.getByTestId(`kpi-sample-${k.name}`).textContent()).toBe(k.sampleSize.toLocaleString('en-US'));
      }
      await page.getByRole('table', { name: 'Phases of the last cycle' }).waitFor();
      // Dry runs only so far: the recovered-revenue card says why it has no figures.
      await page.getByText(/No failed charge has been admitted for a retry in a live cycle yet/).waitFor();
      await shoot(page, 'overview');
      await nav(page, 'Issues');
      await page.getByRole('table', { name: 'Open issues' }).waitFor();
      await shoot(page, 'insights');
      await nav(page, 'Approvals');
      await page
        .getByText(/Nothing awaits approval|Awaiting approval/)
        .first()
        .waitFor();
      await shoot(page, 'approvals');
      await nav(page, 'Controls');
      await page.getByRole('table', { name: 'Schedules' }).or(page.getByText('No schedules')).first().waitFor();
      await shoot(page, 'controls');
      await nav(page, 'History');
      await page.getByRole('button', { name: cycleId }).click();
      await page.getByRole('table', { name: 'Audit entries of the cycle' }).waitFor();
      await page.getByRole('table', { name: 'Findings of the cycle' }).waitFor();
      expect(await page.getByRole('link', { name: /Temporal Web UI/ }).getAttribute('href')).toContain(cycleId);
      await shoot(page, 'history');
      await nav(page, 'ML feedback');
      await page.getByRole('heading', { name: 'Reliability' }).waitFor();
      await page.locator('.chart, .state-empty').first().waitFor();
      await shoot(page, 'ml');
      await ctx.close();
    }
  }, 120_000);

  it('approves an action from the queue, and its approval workflow executes it', async () => {
    // An action the gates sent to an operator, as a live cycle records it, with its approval workflow
    // on the real worker.
    await insertCycle(t.db, { id: 'c-dash-live', dryRun: false });
    await insertAction(t.db, { id: 'act-dash-1', cycleId: 'c-dash-live', type: 'retry_payment' });
    // Its target: a soft-declined failed payment of the seed, so the approved retry really executes.
    const failed = await t
      .db('app.payments')
      .where({ status: 'failed' })
      .orderBy('id')
      .select('id', 'failure_code', 'attempt_count', 'amount_cents');
    const payment = failed.find((p) => classifyDecline(p.failure_code) === 'soft' && Number(p.attempt_count) < 3)!;
    expect(payment, 'the seed has a soft-declined failed payment').toBeDefined();
    await t
      .db('engine.actions')
      .where({ id: 'act-dash-1' })
      .update({
        dry_run: false,
        target_id: String(payment.id),
        params: JSON.stringify({
          attempt: Number(payment.attempt_count) + 1,
          amountCents: Number(payment.amount_cents),
        }),
        status_reason: 'confidence 0.60 is below the healing gate 0.75',
      });
    const workflowId = approvalWorkflowId('act-dash-1');
    const input: ApprovalInput = {
      actionId: 'act-dash-1',
      cycleId: 'c-dash-live',
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      timeoutSeconds: 3600,
    };
    const handle = await w.client.workflow.start(actionApproval, {
      workflowId,
      taskQueue: w.taskQueue,
      args: [input],
    });
    e.track(workflowId);

    const { ctx, page } = await signIn(e.keys.operator);
    await nav(page, 'Approvals');
    const item = page.getByTestId('approval-act-dash-1');
    await item.waitFor({ timeout: 30_000 }); // the list polls: the workflow opens the approval meanwhile
    await expect.poll(() => item.textContent()).toContain('below the healing gate');
    const approve = item.getByRole('button', { name: 'Approve' });
    expect(await approve.isDisabled()).toBe(true); // a reason is required first
    await page.getByTestId('key-legend').waitFor();
    await page.getByLabel('Reason').fill('checked the customer record');
    await approve.click();
    await expect.poll(() => page.getByTestId('decision-status').textContent()).toContain('Approve sent for 1 of 1');
    const result = (await handle.result()) as { status: string; decidedBy?: string };
    expect(result).toMatchObject({ status: 'executed', decidedBy: 'oscar-operator' });
    // Without a reload, the item leaves the queue and shows among the decided with the workflow's outcome.
    await expect.poll(() => page.getByTestId('approval-act-dash-1').count(), { timeout: 15_000 }).toBe(0);
    await expect
      .poll(() => page.getByTestId('decided-act-dash-1').locator('[data-status]').getAttribute('data-status'), {
        timeout: 15_000,
      })
      .toBe('executed');
    await shoot(page, 'approvals-decided');
    await ctx.close();
  }, 90_000);

  it('reviews a group from the keyboard: x selects, k moves, r rejects the focused group with one reason', async () => {
    await insertCycle(t.db, { id: 'c-dash-kb', dryRun: false, trigger: 'schedule' });
    const handles = [];
    for (const id of ['act-kb-1', 'act-kb-2']) {
      await insertAction(t.db, { id, cycleId: 'c-dash-kb', type: 'retry_payment' });
      await t
        .db('engine.actions')
        .where({ id })
        .update({ dry_run: false, params: JSON.stringify({ attempt: 2, amountCents: 2900 }) });
      const input: ApprovalInput = {
        actionId: id,
        cycleId: 'c-dash-kb',
        deadline: new Date(Date.now() + 3_600_000).toISOString(),
        timeoutSeconds: 3600,
      };
      handles.push(
        await w.client.workflow.start(actionApproval, {
          workflowId: approvalWorkflowId(id),
          taskQueue: w.taskQueue,
          args: [input],
        }),
      );
      e.track(approvalWorkflowId(id));
    }
    const { ctx, page } = await signIn(e.keys.operator, SIZES[1]);
    await nav(page, 'Approvals');
    const group = page.getByTestId('group-retry_payment-c-dash-kb');
    await group.waitFor({ timeout: 30_000 });
    await page.getByTestId('approval-act-kb-2').waitFor();
    expect(await page.getByTestId('key-legend').textContent()).toMatch(/j\/k move · x select · a approve · r reject/);
    expect(await page.getByTestId('quorum-act-kb-1').textContent()).toBe('0 of 1 approval');
    // x on an item selects it, x again unselects it.
    await page.getByTestId('approval-act-kb-1').locator('h3').click();
    await page.keyboard.press('x');
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('1 selected');
    await page.keyboard.press('x');
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('0 selected');
    // k moves up to the group header; the reason box takes the one reason, Esc leaves it.
    await page.keyboard.press('k');
    await expect.poll(() => group.getAttribute('aria-current')).toBe('true');
    await page.keyboard.press('/');
    await page.keyboard.type('cards are being updated');
    await page.keyboard.press('Escape');
    await shoot(page, 'approvals-queue');
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('decision-status').textContent()).toMatch(/Reject sent for 2 of 2/);
    for (const h of handles)
      expect(await h.result()).toMatchObject({ status: 'rejected', decidedBy: 'oscar-operator' });
    await ctx.close();
  }, 90_000);

  it('shows on the overview the recovered revenue the api reports, with its denominator and interval', async () => {
    await insertCycle(t.db, { id: 'c-dash-rr', dryRun: false });
    await insertRecoveryCharges(t.db, { cycleId: 'c-dash-rr', now: new Date(), treated: 90, heldOut: 30 });
    const report = (
      await e.app.inject({
        method: 'GET',
        url: '/api/autonomous/recovered-revenue?months=12',
        headers: e.as('viewer'),
      })
    ).json();
    const inc = report.total.incremental;
    expect(inc.amountInterval).not.toBeNull();
    for (const size of SIZES) {
      const { ctx, page } = await signIn(e.keys.viewer, size);
      const card = page.getByTestId('recovered-revenue');
      await card.waitFor();
      expect(await page.getByTestId('recovered-amount').textContent()).toBe(money(report.total.recovered.amountCents));
      expect(await page.getByTestId('recovery-rate').textContent()).toBe(pct(report.total.recoveryRate, 1));
      expect(await page.getByTestId('incremental-amount').textContent()).toBe(`+${money(inc.amountCents)}`);
      expect(await page.getByTestId('incremental-interval').textContent()).toBe(
        `95% interval ${money(inc.amountInterval.low)} to ${money(inc.amountInterval.high)}`,
      );
      const denominator = await page.getByTestId('recovery-denominator').textContent();
      expect(denominator).toContain(`Of ${report.total.eligible.count} failed charges`);
      expect(denominator).toContain(`${report.total.heldOut.count} were held out as the control group`);
      const months = report.byMonth.filter((m: { eligible: { count: number } }) => m.eligible.count > 0);
      const monthRows = page.getByRole('table', { name: 'Recovered revenue per month' }).locator('tbody tr');
      expect(await monthRows.count()).toBe(months.length);
      expect(await monthRows.last().locator('td').first().textContent()).toBe(months.at(-1).month);
      const codeRows = page.getByRole('table', { name: 'Recovered revenue per decline code' }).locator('tbody tr');
      expect(await codeRows.count()).toBe(report.byDeclineCode.length);
      await shoot(page, 'overview-recovered-revenue');
      await ctx.close();
    }
  }, 60_000);

  it('shows a viewer key no live controls', async () => {
    const { ctx, page } = await signIn(e.keys.viewer);
    expect(await page.getByTestId('who').textContent()).toContain('viewer');
    await nav(page, 'Controls');
    await page.getByTestId('viewer-notice').waitFor();
    await page.getByRole('table', { name: 'Schedules' }).or(page.getByText('No schedules')).first().waitFor();
    await page.getByRole('heading', { name: /Kill switch/ }).waitFor();
    // Not one control: no run, self-heal, schedule, kill-switch or live-mode button.
    expect(await page.locator('main button').count()).toBe(0);
    await nav(page, 'Approvals');
    await page.getByText(/viewer role/).waitFor();
    expect(await page.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);
    await shoot(page, 'controls-viewer');
    await ctx.close();
  });

  it('says explicitly when the api is unreachable', async () => {
    const { ctx, page } = await signIn(e.keys.operator);
    await page.getByTestId('kpi-activation_rate').waitFor();
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await nav(page, 'History');
    await expect
      .poll(() => page.getByRole('alert').first().textContent(), { timeout: 20_000 })
      .toMatch(/Api unreachable/);
    await shoot(page, 'api-down');
    await ctx.close();
  });
});
