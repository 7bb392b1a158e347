// The Issues page in Chromium against the real api and PostgreSQL: each alert channel's health (healthy, failing
// and retrying, not configured) and, opened from a finding's row, the alerts sent about it. Screenshots at
// 1280×800 and 1920×1080 go to .data/test/screenshots (test artefacts).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimAlertDelivery, settleAlertDelivery } from '../../db/repos/alert-deliveries';
import { dataDir } from '../../platform/paths';
import { insertCycle, insertFinding, minutes } from './fixtures';
import { setupE2E, type E2E } from './harness';

const SHOTS = path.join(dataDir, 'test', 'screenshots');
const FP = 'data_quality:duplicate_emails';
let e: E2E;
let browser: Browser;
let base: string;
let findingId: number;

beforeAll(async () => {
  const executablePath = inject('chromium');
  if (executablePath.startsWith('error: ')) throw new Error(`The browser tests cannot run: ${executablePath.slice(7)}`);
  e = await setupE2E('alerts-dashboard', {
    alertChannels: {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x',
      PAGERDUTY_ROUTING_KEY: 'R0123456789ABCDEF0123456789ABCDE',
      PAGERDUTY_EVENTS_URL: undefined,
      ALERT_WEBHOOK_URL: undefined,
      ALERT_WEBHOOK_SECRET: undefined,
      PUBLIC_BASE_URL: undefined,
      FLOYO_API_URL: 'http://127.0.0.1:3000',
      TEMPORAL_UI_URL: undefined,
      TEMPORAL_NAMESPACE: 'default',
    },
  });
  await insertCycle(e.t.db, { id: 'c-alert-dash', startedAt: minutes(0), dryRun: false, trigger: 'schedule' });
  await e.t.db('engine.cycle_phases').insert({ cycle_id: 'c-alert-dash', name: 'analyze', status: 'completed' });
  findingId = await insertFinding(e.t.db, {
    fingerprint: FP,
    category: 'issue',
    severity: 'critical',
    cycleId: 'c-alert-dash',
    title: '212 users share an email address',
  });
  const send = async (channel: string, status: 'delivered' | 'pending', error?: string) => {
    const dedupeKey = `${FP}:${channel}:trigger:0`;
    await claimAlertDelivery(e.t.db, {
      findingId,
      cycleId: 'c-alert-dash',
      channel,
      kind: 'trigger',
      dedupeKey,
      dryRun: false,
    });
    await settleAlertDelivery(e.t.db, dedupeKey, { status, error: error ?? null });
  };
  await send('pagerduty', 'delivered');
  await send('slack', 'pending', 'slack: http://hooks.slack.com answered 503 upstream unavailable; will retry');
  base = await e.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  fs.mkdirSync(SHOTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await e?.close();
});

async function issuesPage(size: { width: number; height: number }): Promise<Page> {
  const page = await (await browser.newContext({ viewport: size })).newPage();
  await page.goto(base);
  await page.getByLabel('API key').fill(e.keys.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Issues' }).click();
  await page.getByRole('table', { name: 'Alert channels' }).waitFor();
  return page;
}

describe('alerts on the Issues page', () => {
  it("shows each channel's health and a finding's deliveries", async () => {
    for (const size of [
      { width: 1280, height: 800 },
      { width: 1920, height: 1080 },
    ]) {
      const page = await issuesPage(size);
      const row = (channel: string) => page.locator(`tr[data-channel="${channel}"]`);
      await expect.poll(() => row('pagerduty').textContent()).toContain('Healthy');
      expect(await row('slack').textContent()).toContain('Failing — retrying');
      expect(await row('slack').textContent()).toContain('answered 503 upstream unavailable');
      expect(await row('webhook').count()).toBe(0);

      const issue = page.getByRole('table', { name: 'Open issues' }).getByRole('row', { name: /212 users share/ });
      await issue.getByRole('button', { name: 'Alerts' }).click();
      const list = page.getByRole('list', { name: `Alert deliveries of finding ${findingId}` });
      await list.waitFor();
      const items = await list.getByRole('listitem').allTextContents();
      expect(items).toHaveLength(2);
      expect(items[0]).toMatch(/delivered.*trigger to pagerduty/i);
      expect(items[1]).toMatch(/pending.*trigger to slack.*will retry/i);
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(SHOTS, `alerts-${size.width}x${size.height}.png`), fullPage: true });
      await page.context().close();
    }
  });
});
