import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import type { RunbookListItem } from '@runbooks/types';
import { Blank } from '../../../testing/test-routes';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import {
  RunbookListPage,
  claimSummary,
  matchesSearch,
  descriptionParts,
  shortDescription,
  sortRunbooks,
} from './runbook-list.page';

const ITEMS: RunbookListItem[] = [
  {
    filename: 'LongRunningRunbook.md',
    name: 'LongRunningRunbook',
    path: 'LongRunningRunbook.md',
    description: 'Runs for a while on purpose',
    required_claims: { roles: ['sre', 'api'] },
    can_execute: true,
    executable: true,
    last_run: {
      id: 'r1',
      status: 'success',
      created_at: '2026-01-01T00:00:00Z',
      finished_at: null,
      return_code: 0,
    },
  },
  {
    filename: 'Notes.md',
    name: 'Notes',
    path: 'Notes.md',
    description: 'Just documentation',
    required_claims: {},
    can_execute: true,
    executable: false,
    last_run: null,
  },
  {
    filename: 'SimpleRunbook.md',
    name: 'SimpleRunbook',
    path: 'SimpleRunbook.md',
    required_claims: { roles: ['sre'], team: ['core'] },
    can_execute: false,
    executable: true,
  },
];

async function render() {
  const app = configureApp({
    routes: [
      { path: 'runbooks/:filename', component: Blank },
      { path: 'runs/:id', component: Blank },
    ],
  });
  const fixture = TestBed.createComponent(RunbookListPage);
  await settle(fixture);
  return { ...app, fixture, el: fixture.nativeElement as HTMLElement };
}

describe('RunbookListPage', () => {
  it('lists runbooks with roles, access and last run', async () => {
    const { http, fixture, el } = await render();
    expect(el.textContent).toContain('Loading runbooks');
    http.expectOne('/api/runbooks').flush({ success: true, runbooks: ITEMS });
    await settle(fixture);
    const rows = [...el.querySelectorAll('tr.row')];
    expect(rows).toHaveLength(3);
    expect(textOf(rows[0])).toContain('LongRunningRunbook');
    expect(textOf(rows[0])).toContain('Runs for a while on purpose');
    expect(textOf(rows[0])).toContain('Succeeded');
    expect(rows[0]?.querySelector('[data-access="yes"]')).not.toBeNull();
    expect(rows[1]?.querySelector('[data-access="doc"]')).not.toBeNull();
    expect(textOf(rows[1])).toContain('anyone');
    expect(rows[2]?.querySelector('[data-access="no"]')).not.toBeNull();
    expect(textOf(rows[2])).toContain('team=core');
    expect(textOf(rows[2])).toContain('Never');
    expect(textOf(el.querySelector('#result-count'))).toBe('3 runbooks');
  });

  it('searches name, filename, description and roles', async () => {
    const { http, fixture, el } = await render();
    http.expectOne('/api/runbooks').flush({ success: true, runbooks: ITEMS });
    await settle(fixture);
    const search = el.querySelector<HTMLInputElement>('input[type="search"]')!;
    search.value = 'documentation';
    search.dispatchEvent(new Event('input'));
    await settle(fixture);
    expect(el.querySelectorAll('tr.row')).toHaveLength(1);
    expect(textOf(el.querySelector('#result-count'))).toContain('1 of 3 runbooks match');
    search.value = 'zzz';
    search.dispatchEvent(new Event('input'));
    await settle(fixture);
    expect(el.textContent).toContain('No runbook matches your search');
  });

  it('opens a runbook when its row is clicked', async () => {
    const { http, fixture, el } = await render();
    http.expectOne('/api/runbooks').flush({ success: true, runbooks: ITEMS });
    await settle(fixture);
    (el.querySelectorAll('tr.row')[2] as HTMLElement).click();
    await settle(fixture);
    expect(TestBed.inject(Router).url).toBe('/runbooks/SimpleRunbook.md');
  });

  it('shows empty and error states, and retries', async () => {
    const { http, fixture, el } = await render();
    http
      .expectOne('/api/runbooks')
      .flush({ error: 'Runbooks directory not found' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Could not load the runbooks');
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Runbooks directory not found');
    [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Try again')!.click();
    await settle(fixture);
    http.expectOne('/api/runbooks').flush({ success: true, runbooks: [] });
    await settle(fixture);
    expect(el.textContent).toContain('No runbooks yet');
  });
});

describe('runbook list helpers', () => {
  it('summarise claims', () => {
    expect(claimSummary(ITEMS[2]!)).toEqual(['sre', 'team=core']);
    expect(claimSummary({ ...ITEMS[2]!, required_claims: null })).toEqual(['unreadable claims']);
    expect(claimSummary({ filename: 'a', name: 'a', path: 'a' })).toEqual([]);
  });

  it('shorten descriptions to their first paragraph', () => {
    expect(shortDescription('First line\nsame paragraph.\n\nSecond paragraph.')).toBe(
      'First line same paragraph.',
    );
    expect(shortDescription(undefined)).toBe('');
  });

  it('renders inline markdown of a description as text and code parts, never raw', () => {
    expect(
      descriptionParts('Set `CYCLES` to **a number**; see [the docs](http://x) and *why*.'),
    ).toEqual([
      { text: 'Set ', isCode: false },
      { text: 'CYCLES', isCode: true },
      { text: ' to a number; see the docs and why.', isCode: false },
    ]);
    expect(descriptionParts('``a ` b`` only')).toEqual([
      { text: 'a ` b', isCode: true },
      { text: ' only', isCode: false },
    ]);
    expect(descriptionParts('file_name_here stays')).toEqual([
      { text: 'file_name_here stays', isCode: false },
    ]);
    expect(descriptionParts(undefined)).toEqual([]);
  });

  it('match searches case-insensitively', () => {
    expect(matchesSearch(ITEMS[0]!, '  LONG ')).toBe(true);
    expect(matchesSearch(ITEMS[0]!, 'api')).toBe(true);
    expect(matchesSearch(ITEMS[0]!, '')).toBe(true);
    expect(matchesSearch(ITEMS[1]!, 'sre')).toBe(false);
  });

  it('sort by each column and direction', () => {
    const names = (items: RunbookListItem[]) => items.map((i) => i.name);
    expect(names(sortRunbooks(ITEMS, { active: 'name', direction: 'desc' }))).toEqual([
      'SimpleRunbook',
      'Notes',
      'LongRunningRunbook',
    ]);
    expect(names(sortRunbooks(ITEMS, { active: 'filename', direction: 'asc' }))[0]).toBe(
      'LongRunningRunbook',
    );
    expect(names(sortRunbooks(ITEMS, { active: 'access', direction: 'asc' })).at(-1)).toBe(
      'SimpleRunbook',
    );
    expect(names(sortRunbooks(ITEMS, { active: 'lastRun', direction: 'desc' }))[0]).toBe(
      'LongRunningRunbook',
    );
    expect(names(sortRunbooks(ITEMS, { active: 'name', direction: '' }))).toEqual(names(ITEMS));
  });
});
