import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, openPage, screenshot, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

/**
 * The run form built from typed declarations (samples/runbooks/ScaleService.md): a select for an
 * enum, bounded number inputs, a checkbox, a password field that is never shown again or stored,
 * a `from` secret shown as provided by the server, and the runbook's own rules as inline errors.
 */
describe('web console: typed run form', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  const PASSWORD = 'web-form-password-1234';

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    page = await openPage(browser);
    await signIn(page, server.url, ['sre', 'api']);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for each variable by its declaration and checks values before sending', async () => {
    await page.goto(`${server.url}/runbooks/ScaleService.md`);
    await page.getByRole('heading', { level: 1, name: 'ScaleService' }).waitFor();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-var="TICKET"]').waitFor();

    // The kinds of input come from the declarations.
    expect(await dialog.locator('mat-select[data-var="TARGET_ENV"]').count()).toBe(1);
    const replicas = dialog.locator('input[data-var="REPLICAS"]');
    expect(await replicas.getAttribute('type')).toBe('number');
    expect(await replicas.getAttribute('min')).toBe('1');
    expect(await replicas.getAttribute('max')).toBe('10');
    expect(await replicas.getAttribute('placeholder')).toBe('Default: 2');
    expect(await dialog.locator('mat-checkbox[data-var="DRY_RUN"]').count()).toBe(1);
    const password = dialog.locator('input[data-var="DB_PASSWORD"]');
    expect(await password.getAttribute('type')).toBe('password');
    expect(await password.getAttribute('autocomplete')).toBe('new-password');
    expect(await dialog.getByRole('button', { name: /Show DB_PASSWORD/ }).count()).toBe(0);
    expect(await textOf(dialog.locator('[data-server-var="SIGNING_KEY"]'))).toContain(
      'provided by the server',
    );
    expect(await dialog.locator('input[data-var="SIGNING_KEY"]').count()).toBe(0);
    expect(await textOf(dialog)).toContain('How many replicas · default 2');

    // Wrong values: errors next to their fields, nothing can be sent.
    await dialog.locator('input[data-var="TICKET"]').fill('CHG1');
    await replicas.fill('11');
    await password.fill('abc');
    await eventually(async () => {
      expect(await textOf(dialog.locator('[data-error-for="TICKET"]'))).toBe(
        'TICKET does not match ^CHG[0-9]{4,}$',
      );
      expect(await textOf(dialog.locator('[data-error-for="REPLICAS"]'))).toBe(
        "REPLICAS must be an integer between 1 and 10 (got '11')",
      );
      expect(await textOf(dialog.locator('[data-error-for="DB_PASSWORD"]'))).toContain(
        'too short to be masked',
      );
      expect(await textOf(dialog.locator('[data-error-for="TARGET_ENV"]'))).toBe(
        'TARGET_ENV is required to run this runbook.',
      );
    });
    expect(await textOf(dialog)).not.toContain("got 'abc'");
    const run = dialog.getByRole('button', { name: 'Run', exact: true });
    expect(await run.isDisabled()).toBe(true);
    await screenshot(page, 'typed-form-errors');

    // Fix them: choose from the select, bounded number, uncheck the dry run, a real password.
    await dialog.locator('mat-select[data-var="TARGET_ENV"]').click();
    await page.getByRole('option', { name: 'production' }).click();
    await dialog.locator('input[data-var="TICKET"]').fill('CHG4242');
    await replicas.fill('3');
    await dialog.locator('mat-checkbox[data-var="DRY_RUN"] input').click();
    await password.fill(PASSWORD);
    await eventually(async () => expect(await run.isDisabled()).toBe(false));
    await run.click();
    await page.waitForURL(/\/runs\/[^/?]+$/);

    await eventually(async () => {
      const log = (await page.locator('.log').textContent()) ?? '';
      expect(log).toContain('ScaleService completed');
    }, 60_000);
    const log = (await page.locator('.log').textContent()) ?? '';
    expect(log).toContain('Scaling to 3 replicas in production for CHG4242 (dry run: false)');
    expect(log).toContain('Connecting with password ***');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 12));

    // The password is in no browser storage and nowhere on the page.
    const stored = await page.evaluate(() =>
      JSON.stringify([{ ...sessionStorage }, { ...localStorage }, document.cookie]),
    );
    expect(stored).not.toContain(PASSWORD);
    expect(await page.content()).not.toContain(PASSWORD);
  });
});
