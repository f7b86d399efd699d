import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, openPage, screenshot, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

/**
 * A run view open while the server stops mid-run (issue 21 item 5): during the grace period the
 * page says the server is shutting down; when the run is canceled and the server is gone it shows
 * one consistent state (no "Running" next to an exit code, no Cancel, no load error); once the
 * server is back it shows the recorded outcome.
 */
describe('run view when the server stops mid-run', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    page = await openPage(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const statusText = (): Promise<string> => textOf(page.locator('.summary rb-status-chip'));
  const noticeText = (): Promise<string> => textOf(page.locator('.server-notice'));

  it('announces the shutdown, then shows the ended run and its record once the server is back', async () => {
    await signIn(page, server.url, ['sre', 'api']);
    await page.goto(`${server.url}/runbooks/LongRunningRunbook.md`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[data-var="CYCLES"]').fill('600');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/\/runs\/[^/?]+$/);
    await page.locator('.log .line', { hasText: 'Cycle 1 of 600' }).waitFor({ timeout: 60_000 });
    expect(await statusText()).toBe('Running');
    expect(await noticeText()).toBe('');

    // SHUTDOWN_GRACE_SECONDS is 2: the page hears of the shutdown while the run still goes.
    const stopped = server.terminate();
    await eventually(async () =>
      expect(await noticeText()).toContain('The server is shutting down'),
    );
    await screenshot(page, '20-run-server-shutting-down');
    await stopped;

    // The run was canceled and the server is gone. Whether the page read the record before the
    // server closed (Canceled) or not (Ended, waiting for it), the state is one consistent story.
    await eventually(async () => expect(await textOf(page.locator('.exit-code'))).toBe('-15'));
    const status = await statusText();
    expect(['Ended', 'Canceled']).toContain(status);
    if (status === 'Ended') {
      expect(await noticeText()).toContain('The run ended while the server stopped');
    }
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    expect(await page.getByText('Could not load the run').count()).toBe(0);
    expect(await textOf(page.locator('.stream-state'))).toBe('Complete');
    await screenshot(page, '21-run-server-stopped');

    // Back on the same port and data: the page picks up the recorded outcome by itself.
    server = await server.restart();
    await eventually(async () => expect(await statusText()).toBe('Canceled'), 60_000);
    expect(await noticeText()).toBe('');
    const summary = await textOf(page.locator('.summary'));
    expect(summary).toContain('Canceled by');
    expect(summary).toContain('system: server shutdown');
    expect(await textOf(page.locator('.exit-code'))).toBe('-15');
    await screenshot(page, '22-run-server-back');
  });
});
