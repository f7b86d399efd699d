import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, openPage, screenshot, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

/**
 * The operator's path through the console against the real API: sign in from a deep link, browse,
 * read a runbook, validate it, run it, watch a long run stream, reload it, cancel one, find runs.
 */
describe('web console (operator)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let longRunId = '';

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    page = await openPage(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function statusText(): Promise<string> {
    return textOf(page.locator('.summary rb-status-chip'));
  }

  async function logText(): Promise<string> {
    return (await page.locator('.log').textContent()) ?? '';
  }

  async function startRun(
    filename: string,
    vars: Record<string, string>,
    labels: Record<string, string> = {},
  ) {
    await page.goto(`${server.url}/runbooks/${filename}`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const dialog = page.getByRole('dialog');
    for (const [name, value] of Object.entries(vars)) {
      await dialog.locator(`input[data-var="${name}"]`).fill(value);
    }
    let i = 0;
    for (const [key, value] of Object.entries(labels)) {
      await dialog.getByRole('button', { name: 'Add label' }).click();
      await dialog.locator(`input[data-label-key="${i}"]`).fill(key);
      await dialog.locator(`input[data-label-value="${i}"]`).fill(value);
      i++;
    }
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/\/runs\/[^/?]+$/);
    return new URL(page.url()).pathname.split('/').pop() ?? '';
  }

  it('sends a signed-out deep link to sign-in and back after signing in', async () => {
    await page.goto(`${server.url}/runbooks/SimpleRunbook.md`);
    await page.waitForURL(/\/sign-in\?/);
    expect(new URL(page.url()).searchParams.get('returnUrl')).toBe('/runbooks/SimpleRunbook.md');
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await screenshot(page, '01-sign-in');
    await signIn(page, server.url, ['sre', 'api']);
    expect(new URL(page.url()).pathname).toBe('/runbooks/SimpleRunbook.md');
    await page.getByRole('heading', { level: 1, name: 'SimpleRunbook' }).waitFor();
  });

  it('lists the runbooks with roles and access, and searches them', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Runbooks' })
      .click();
    await page.waitForURL(/\/runbooks$/);
    const simpleRow = page.locator('tr.row', {
      has: page.getByRole('link', { name: 'SimpleRunbook', exact: true }),
    });
    await simpleRow.waitFor();
    expect(await page.locator('tr.row').count()).toBeGreaterThanOrEqual(6);
    const rowText = await textOf(simpleRow);
    expect(rowText).toContain('sre');
    expect(rowText).toContain('api');
    expect(rowText).toContain('Yes');
    await screenshot(page, '02-runbooks');

    await page.getByRole('searchbox', { name: 'Search' }).fill('long');
    await eventually(async () => expect(await page.locator('tr.row').count()).toBe(1));
    expect(await textOf(page.locator('tr.row'))).toContain('LongRunningRunbook');
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
  });

  it('opens SimpleRunbook with its sections recognised', async () => {
    await page.getByRole('link', { name: 'SimpleRunbook', exact: true }).click();
    await page.waitForURL(/\/runbooks\/SimpleRunbook\.md$/);
    await page.getByRole('heading', { level: 1, name: 'SimpleRunbook' }).waitFor();
    const env = page.locator('section', {
      has: page.getByRole('heading', { name: 'Environment requirements' }),
    });
    expect(await textOf(env)).toContain('TEST_VAR');
    expect(await textOf(page.locator('.script'))).toContain('Running SimpleRunbook');
    await screenshot(page, '03-runbook');
    await page.getByRole('tab', { name: 'Document' }).click();
    await page.locator('.document h1').first().waitFor();
    expect(await page.locator('.document script').count()).toBe(0);
    await page.getByRole('tab', { name: 'Overview' }).click();
  });

  it('validates: an error without the variable, success with it', async () => {
    await page.getByRole('button', { name: 'Validate', exact: true }).click();
    const dialog = page.getByRole('dialog');
    const field = dialog.locator('input[data-var="TEST_VAR"]');
    await field.waitFor();
    await dialog.getByRole('button', { name: 'Validate', exact: true }).click();
    await dialog.getByText('Required environment variable not set: TEST_VAR').waitFor();
    expect(await textOf(dialog.locator('.result'))).toContain('The runbook is not valid');
    await screenshot(page, '04-validate-error');

    await field.fill('checked');
    await dialog.getByRole('button', { name: 'Validate', exact: true }).click();
    await dialog.getByText('The runbook is valid').waitFor();
    await screenshot(page, '05-validate-ok');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('runs SimpleRunbook with a variable and a label and shows its output', async () => {
    await startRun('SimpleRunbook.md', { TEST_VAR: 'hello from e2e' }, { team: 'core' });
    await eventually(async () => expect(await statusText()).toBe('Succeeded'), 60_000);
    expect(await logText()).toContain('Test variable value: hello from e2e');
    expect(await logText()).toContain('SimpleRunbook completed successfully');
    expect(await textOf(page.locator('.exit-code'))).toBe('0');
    expect(await textOf(page.locator('.summary'))).toContain('team=core');
    await screenshot(page, '06-run-finished');
  });

  it('streams LongRunningRunbook lines before it finishes, and re-attaches after a reload', async () => {
    longRunId = await startRun('LongRunningRunbook.md', { CYCLES: '6' });
    await page.locator('.log .line', { hasText: 'Cycle 1 of 6' }).waitFor({ timeout: 60_000 });
    // The first cycle is on screen while the run is still going (about ten seconds are left).
    expect(await logText()).not.toContain('LongRunningRunbook completed');
    expect(await statusText()).toBe('Running');
    expect(await textOf(page.locator('.stream-state'))).toBe('Live');
    await screenshot(page, '07-run-live');

    await page.reload();
    await page.locator('.log .line', { hasText: 'Cycle 1 of 6' }).waitFor({ timeout: 60_000 });
    await page
      .locator('.log .line', { hasText: 'LongRunningRunbook completed 6 cycle(s)' })
      .waitFor({ timeout: 60_000 });
    await eventually(async () => expect(await statusText()).toBe('Succeeded'), 30_000);
    const text = await logText();
    // Replayed once, not twice.
    expect(text.split('Cycle 1 of 6').length - 1).toBe(1);
    expect(await textOf(page.locator('.exit-code'))).toBe('0');
    await screenshot(page, '08-run-reloaded');
  });

  it('reloads a finished run page and still shows all of its output', async () => {
    await page.goto(`${server.url}/runs/${longRunId}`);
    await page
      .locator('.log .line', { hasText: 'LongRunningRunbook completed 6 cycle(s)' })
      .waitFor();
    expect((await logText()).split('Cycle ').length - 1).toBe(6);
    expect(await statusText()).toBe('Succeeded');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download log' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`LongRunningRunbook-${longRunId}.log`);
  });

  it('cancels a running run', async () => {
    await startRun('LongRunningRunbook.md', { CYCLES: '300' });
    await page.locator('.log .line', { hasText: 'Cycle 1 of 300' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason (optional)').fill('stopped by the e2e test');
    await dialog.getByRole('button', { name: 'Cancel run' }).click();
    await eventually(async () => expect(await statusText()).toBe('Canceled'), 60_000);
    expect(await textOf(page.locator('.summary'))).toContain('stopped by the e2e test');
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await screenshot(page, '09-run-canceled');
  });

  it('filters the runs table by status, runbook and label', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Runs' })
      .click();
    await page.waitForURL(/\/runs$/);
    await page.locator('tr.row').first().waitFor();
    expect(await page.locator('tr.row').count()).toBeGreaterThanOrEqual(3);
    await screenshot(page, '10-runs');

    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Canceled' }).click();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=canceled/);
    await eventually(async () => {
      const rows = await page.locator('tr.row').allTextContents();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('Canceled');
    });
    await screenshot(page, '11-runs-filtered');

    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await page.waitForURL(/\/runs$/);
    await page.getByRole('textbox', { name: 'Label' }).fill('team=core');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/label=team%3Dcore/);
    await eventually(async () => {
      const rows = await page.locator('tr.row').allTextContents();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('SimpleRunbook.md');
    });

    await page.goto(`${server.url}/runs?runbook=LongRunningRunbook.md`);
    await eventually(async () => {
      const rows = await page.locator('tr.row').allTextContents();
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row).toContain('LongRunningRunbook.md');
    });
  });

  it('shows the new runs in the runbook history timeline', async () => {
    await page.goto(`${server.url}/runbooks/SimpleRunbook.md`);
    await page.getByRole('tab', { name: /^History \(1\)/ }).click();
    const entry = page.locator('.entry').first();
    await entry.waitFor();
    expect(await textOf(entry)).toContain('Succeeded');
    await screenshot(page, '12-history');
  });

  it('works at phone width', async () => {
    const phone = await openPage(browser, 'phone');
    try {
      await phone.goto(`${server.url}/sign-in`);
      await signIn(phone, server.url, { quick: 'SRE' });
      await phone.locator('tr.row').first().waitFor();
      await screenshot(phone, '13-phone-runbooks');
      // No horizontal scrolling of the page itself.
      const overflow = await phone.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(1);
      await phone.goto(`${server.url}/runs/${longRunId}`);
      await phone.locator('.log .line', { hasText: 'completed' }).waitFor();
      await screenshot(phone, '14-phone-run');
    } finally {
      await phone.context().close();
    }
  });
});
