// Change freezes in Chromium against the real api and PostgreSQL: an admin adds a freeze in force from the
// Controls page, every page then shows the banner with the freeze and its end, and removing it clears the banner;
// a viewer sees the section without the form. Screenshot to .data/test/screenshots/change-freezes-1280x800.png
// (a test artefact).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { dataDir } from '../../platform/paths';
import { setupE2E, type E2E } from './harness';

const SHOTS = path.join(dataDir, 'test', 'screenshots');
let e: E2E;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const executablePath = inject('chromium');
  if (executablePath.startsWith('error: ')) throw new Error(`The browser tests cannot run: ${executablePath.slice(7)}`);
  e = await setupE2E('dash-freezes');
  base = await e.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  fs.mkdirSync(SHOTS, { recursive: true });
  // A weekly window that is not in force now, so the list has a recurring row too.
  const now = new Date();
  const otherDay = (now.getUTCDay() + 3) % 7;
  const res = await e.app.inject({
    method: 'POST',
    url: '/api/freezes',
    headers: e.as('admin'),
    payload: {
      kind: 'recurring',
      name: 'Weekly maintenance',
      reason: 'database maintenance',
      timezone: 'Europe/Berlin',
      cron: `0 2 * * ${otherDay}`,
      durationMinutes: 120,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await e?.close();
});

async function signIn(key: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York' });
  const page = await ctx.newPage();
  await page.goto(base);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

const nav = (page: Page, label: string) =>
  page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label, exact: false }).click();

/** A datetime-local value (the browser's wall clock, New York here) `hours` from now. */
function localInput(hours: number): string {
  const d = new Date(Date.now() + hours * 3_600_000);
  const p = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const v = (t: string) => p.find((x) => x.type === t)!.value;
  return `${v('year')}-${v('month')}-${v('day')}T${v('hour')}:${v('minute')}`;
}

it('an admin adds a freeze from Controls; every page shows the banner until it is removed', async () => {
  const page = await signIn(e.keys.admin);
  expect(await page.getByTestId('freeze-banner').count()).toBe(0);
  await nav(page, 'Controls');
  const form = page.getByRole('form', { name: 'Add a change freeze' });
  await form.waitFor();
  await form.getByLabel('Name').fill('Black Friday');
  await form.getByLabel('Time zone (IANA)').fill('America/New_York');
  await form.getByLabel("Starts (your browser's time)").fill(localInput(-1));
  await form.getByLabel("Ends (your browser's time)").fill(localInput(3));
  await form.getByLabel(/^Reason/).fill('peak traffic: no changes');
  await form.getByRole('button', { name: 'Add freeze' }).click();

  const banner = page.getByTestId('freeze-banner');
  await banner.waitFor({ timeout: 15_000 });
  expect(await banner.textContent()).toMatch(
    /^Change freeze 'Black Friday' until \d{4}-\d\d-\d\d \d\d:\d\d -0[45]:00 \(America\/New_York\): no effects run\./,
  );
  const table = page.getByRole('table', { name: 'Change freezes' });
  expect(await table.locator('tbody tr').count()).toBe(2);
  expect(await table.textContent()).toMatch(/in force, ends/);
  expect(await table.textContent()).toContain('0 2 * *');
  await page.screenshot({ path: path.join(SHOTS, 'change-freezes-1280x800.png'), fullPage: true });

  await nav(page, 'Overview');
  await banner.waitFor();

  // A viewer sees the banner and the list, not the form or the buttons.
  const viewer = await signIn(e.keys.viewer);
  await viewer.getByTestId('freeze-banner').waitFor();
  await nav(viewer, 'Controls');
  await viewer.getByRole('table', { name: 'Change freezes' }).waitFor();
  expect(await viewer.getByRole('form', { name: 'Add a change freeze' }).count()).toBe(0);
  expect(await viewer.getByRole('button', { name: 'Remove…' }).count()).toBe(0);

  await nav(page, 'Controls');
  const row = page.locator('tr', { hasText: 'Black Friday' });
  await row.getByRole('button', { name: 'Remove…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await banner.waitFor({ state: 'detached', timeout: 15_000 });
  expect(await table.locator('tbody tr').count()).toBe(1);
});
