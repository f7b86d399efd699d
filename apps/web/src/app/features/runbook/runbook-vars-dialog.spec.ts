import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { firstValueFrom } from 'rxjs';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import {
  RunbookVarsDialog,
  envVarsOf,
  fieldProblem,
  fieldsOf,
  type VarsDialogData,
} from './runbook-vars-dialog';

const ENV = {
  success: true as const,
  filename: 'CreatePackage.md',
  required: [
    { name: 'GITHUB_TOKEN', description: 'Token allowed to push packages', secret: true },
    { name: 'REGION', description: 'Where to push' },
  ],
  available: [{ name: 'REGION', description: 'Where to push' }],
  missing: [{ name: 'GITHUB_TOKEN', description: 'Token allowed to push packages' }],
};

async function open(mode: 'run' | 'validate') {
  const app = configureApp();
  const ref = TestBed.inject(MatDialog).open<RunbookVarsDialog, VarsDialogData, string>(
    RunbookVarsDialog,
    {
      data: { filename: 'CreatePackage.md', name: 'CreatePackage', mode },
    },
  );
  await settle();
  const dialog = document.querySelector('mat-dialog-container') as HTMLElement;
  return { ...app, ref, dialog };
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event('input'));
}

function button(root: ParentNode, text: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((b) => textOf(b) === text);
  if (!found) throw new Error(`no button ${text}`);
  return found;
}

describe('RunbookVarsDialog', () => {
  afterEach(() => TestBed.inject(MatDialog).closeAll());

  it('uses a password field for declared secrets, requires missing ones, and starts the run with labels', async () => {
    const { http, dialog, ref } = await open('run');
    expect(dialog.textContent).toContain('Reading required variables');
    http.expectOne('/api/runbooks/CreatePackage.md/required-env').flush(ENV);
    await settle();

    const token = dialog.querySelector<HTMLInputElement>('input[data-var="GITHUB_TOKEN"]')!;
    const region = dialog.querySelector<HTMLInputElement>('input[data-var="REGION"]')!;
    expect(token.type).toBe('password');
    expect(token.required).toBe(true);
    expect(region.type).toBe('text');
    expect(region.required).toBe(false);
    expect(region.placeholder).toBe('Set on the server');
    expect(textOf(dialog)).toContain('available on the server');

    // A secret is never shown again: no reveal button.
    expect(dialog.querySelector('[aria-label="Show GITHUB_TOKEN"]')).toBeNull();
    expect(token.getAttribute('autocomplete')).toBe('new-password');

    // Missing value: an inline error, and nothing is sent.
    button(dialog, 'Run').click();
    await settle();
    expect(textOf(dialog.querySelector('[data-error-for="GITHUB_TOKEN"]'))).toBe(
      'GITHUB_TOKEN is required to run this runbook.',
    );
    http.expectNone('/api/runbooks/CreatePackage.md/execute');

    type(token, 'ghp_secret');
    button(dialog, 'Add label').click();
    await settle();
    type(dialog.querySelector<HTMLInputElement>('input[data-label-key="0"]')!, 'bad key!');
    await settle();
    expect(dialog.textContent).toContain('Use letters, digits');
    button(dialog, 'Run').click();
    await settle();
    http.expectNone('/api/runbooks/CreatePackage.md/execute');

    type(dialog.querySelector<HTMLInputElement>('input[data-label-key="0"]')!, 'team');
    type(dialog.querySelector<HTMLInputElement>('input[data-label-value="0"]')!, 'core');
    await settle();
    const closed = firstValueFrom(ref.afterClosed());
    button(dialog, 'Run').click();
    await settle();
    const req = http.expectOne('/api/runbooks/CreatePackage.md/execute');
    expect(req.request.headers.get('Prefer')).toBe('respond-async');
    expect(req.request.body).toEqual({
      env_vars: { GITHUB_TOKEN: 'ghp_secret' },
      labels: { team: 'core' },
    });
    req.flush(
      { run_id: 'run-42', status: 'queued', location: '/api/runs/run-42' },
      { status: 202, statusText: 'Accepted' },
    );
    await expect(closed).resolves.toBe('run-42');
  }, 20_000);

  it('shows a 403 from execute in the dialog', async () => {
    const { http, dialog } = await open('run');
    http
      .expectOne('/api/runbooks/CreatePackage.md/required-env')
      .flush({ ...ENV, required: [], available: [], missing: [] });
    await settle();
    expect(dialog.textContent).toContain('does not require any environment variables');
    button(dialog, 'Add label').click();
    await settle();
    dialog.querySelector<HTMLButtonElement>('[aria-label="Remove label 1"]')!.click();
    await settle();
    expect(dialog.querySelector('input[data-label-key="0"]')).toBeNull();
    button(dialog, 'Run').click();
    await settle();
    http.expectOne('/api/runbooks/CreatePackage.md/execute').flush(
      {
        error:
          'RBAC check failed for execute. Missing or invalid claims: roles=viewer (required: sre, api)',
        success: false,
      },
      { status: 403, statusText: 'Forbidden' },
    );
    await settle();
    expect(textOf(dialog.querySelector('[role="alert"]'))).toContain('Access denied');
    expect(textOf(dialog.querySelector('[role="alert"]'))).toContain(
      'roles=viewer (required: sre, api)',
    );
  });

  it('validates with the values given and reports success with warnings', async () => {
    const { http, dialog } = await open('validate');
    http.expectOne('/api/runbooks/CreatePackage.md/required-env').flush(ENV);
    await settle();
    const token = dialog.querySelector<HTMLInputElement>('input[data-var="GITHUB_TOKEN"]')!;
    expect(token.required).toBe(false);
    type(token, 'x');
    button(dialog, 'Validate').click();
    await settle();
    const req = http.expectOne('/api/runbooks/CreatePackage.md/validate');
    expect(req.request.body).toEqual({ env_vars: { GITHUB_TOKEN: 'x' } });
    req.flush({
      success: true,
      runbook: 'CreatePackage.md',
      errors: [],
      warnings: ["Runbook name 'X' does not match filename 'CreatePackage'"],
    });
    await settle();
    expect(textOf(dialog.querySelector('.result'))).toContain('The runbook is valid');
    expect(textOf(dialog.querySelector('.result'))).toContain('does not match filename');
  });

  it('offers a retry when the variables cannot be read', async () => {
    const { http, dialog } = await open('validate');
    http
      .expectOne('/api/runbooks/CreatePackage.md/required-env')
      .error(new ProgressEvent('error'), { status: 0 });
    await settle();
    expect(textOf(dialog)).toContain("Could not read the runbook's variables");
    button(dialog, 'Try again').click();
    await settle();
    http.expectOne('/api/runbooks/CreatePackage.md/required-env').flush(ENV);
    await settle();
    expect(dialog.querySelector('input[data-var="REGION"]')).not.toBeNull();
  });
});

describe('dialog helpers', () => {
  it('build fields and env vars', () => {
    const fields = fieldsOf(ENV);
    expect(fields.map((f) => [f.name, f.kind, f.available, f.secret])).toEqual([
      ['GITHUB_TOKEN', 'password', false, true],
      ['REGION', 'text', true, false],
    ]);
    expect(fields[1]?.info).toMatchObject({ type: 'string', required: true, from: null });
    expect(envVarsOf({ A: ' 1 ', B: '   ', C: '' })).toEqual({ A: '1' });
    // Secrets are sent as typed; server-provided variables are never sent.
    const typed = fieldsOf({
      ...ENV,
      required: [
        { ...ENV.required[0]!, secret: true },
        { name: 'KEY', description: '', secret: true, from: 'file:key' },
      ],
    });
    expect(typed.map((f) => f.kind)).toEqual(['password', 'server']);
    expect(envVarsOf({ GITHUB_TOKEN: ' pw with spaces ', KEY: 'x' }, typed)).toEqual({
      GITHUB_TOKEN: ' pw with spaces ',
    });
  });

  it('checks values with the runbook rules', () => {
    const [field] = fieldsOf({
      ...ENV,
      required: [
        { name: 'N', description: '', type: 'integer', minimum: 1, maximum: 3, default: null },
      ],
    });
    expect(field?.kind).toBe('number');
    expect(fieldProblem(field!, '7')).toBe("N must be an integer between 1 and 3 (got '7')");
    expect(fieldProblem(field!, '2')).toBeNull();
    expect(fieldProblem(field!, '')).toBe('N is required to run this runbook.');
  });
});
