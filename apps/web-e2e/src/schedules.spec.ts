import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, openPage, screenshot, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

const FENCE = '```';

/** A runbook firing every 2 seconds, written after the server started (picked up live). */
const TICKER = [
  '# Ticker',
  'Fires every two seconds.',
  '# Environment Requirements',
  `${FENCE}yaml\n${FENCE}`,
  '# File System Requirements',
  `${FENCE}yaml\nInput: []\n${FENCE}`,
  '# Schedule',
  `${FENCE}yaml\ncron: '*/2 * * * * *'\n${FENCE}`,
  '# Script',
  `${FENCE}sh\necho tick\n${FENCE}`,
  '# History',
  '',
].join('\n');

/**
 * The Schedules page and the runbook view's Schedule card: next fire, last fire and status, a
 * schedule the scheduler may not run (the sample NightlyDiskReport asks for `sre`), runs link.
 */
describe('web console: schedules', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startConsoleServer();
    writeFileSync(join(server.runbooksDir, 'Ticker.md'), TICKER);
    browser = await launchBrowser();
    page = await openPage(browser);
    await signIn(page, server.url, ['admin', 'sre']);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists the schedules with their next and last fire, and who may run them', async () => {
    await page.goto(`${server.url}/schedules`);
    await page.getByRole('heading', { level: 1, name: 'Schedules' }).waitFor();
    await eventually(async () => {
      await page.getByRole('button', { name: 'Reload schedules' }).click();
      const ticker = page.locator('tr[data-runbook="Ticker.md"]');
      expect(await textOf(ticker)).toContain('*/2 * * * * *');
      expect(await textOf(ticker.locator('rb-status-chip'))).toBe('Succeeded');
    }, 30_000);
    const nightly = page.locator('tr[data-runbook="NightlyDiskReport.md"]');
    expect(await textOf(nightly.locator('code'))).toBe('15 3 * * *');
    expect(await textOf(nightly)).toContain('Europe/Paris');
    expect(await textOf(nightly.locator('[data-authorized]'))).toBe('No: fires are denied');
    expect(await nightly.locator('[data-next]').getAttribute('data-next')).toMatch(
      /T0[12]:15:00\.000Z$/,
    );
    await screenshot(page, 'schedules');
    await page
      .locator('tr[data-runbook="Ticker.md"]')
      .getByRole('link', { name: 'Runs', exact: true })
      .click();
    await page.waitForURL(/\/runs\?runbook=Ticker\.md/);
    // A scheduled run says which fire it was.
    await page.goto(`${server.url}/schedules`);
    const last = page.locator('tr[data-runbook="Ticker.md"] a[href^="/runs/"]');
    await last.waitFor();
    await last.click();
    await eventually(async () => {
      expect(await textOf(page.locator('dd.trigger'))).toMatch(/^Schedule · fire of \d{4}-/);
    });
  });

  it('shows the schedule on the runbook view', async () => {
    await page.goto(`${server.url}/runbooks/NightlyDiskReport.md`);
    const card = page.locator('section', { has: page.getByRole('heading', { name: 'Schedule' }) });
    await eventually(async () => {
      expect(await textOf(card)).toContain('15 3 * * * in Europe/Paris');
      expect(await textOf(card)).toContain('overlap: skip');
      expect(await textOf(card)).toContain('fires are recorded as denied');
      expect(await textOf(card.locator('[data-next-fire]'))).not.toBe('');
    });
  });
});
