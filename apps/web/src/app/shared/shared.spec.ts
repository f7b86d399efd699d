import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { apiErrorFrom, type ApiError } from '../core/api/api-error';
import { configureApp, settle, textOf } from '../../testing/test-providers';
import { asyncState } from './async-state';
import { EmptyState } from './empty-state';
import { ErrorPanel } from './error-panel';
import { LoadingState } from './loading-state';
import { StatusChip } from './status-chip';

@Component({
  imports: [StatusChip, ErrorPanel, EmptyState, LoadingState],
  template: `
    <rb-status-chip [status]="status()" />
    <rb-error-panel [error]="error()" (retry)="retries.set(retries() + 1)" />
    <rb-empty-state heading="Nothing">detail</rb-empty-state>
    <rb-loading-state label="Loading things…" />
  `,
})
class Host {
  readonly status = signal<string | null>('timeout');
  readonly error = signal<ApiError | null>(null);
  readonly retries = signal(0);
}

describe('shared components', () => {
  it('render status, errors with retry, empty and loading states', async () => {
    configureApp();
    const fixture = TestBed.createComponent(Host);
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(textOf(el.querySelector('rb-status-chip'))).toBe('Timed out');
    expect(el.querySelector('[data-tone="bad"]')).not.toBeNull();
    expect(el.querySelector('[role="alert"]')).toBeNull();
    expect(textOf(el.querySelector('rb-empty-state .heading'))).toBe('Nothing');
    expect(textOf(el.querySelector('rb-empty-state .detail'))).toBe('detail');
    expect(textOf(el.querySelector('rb-loading-state'))).toBe('Loading things…');

    fixture.componentInstance.error.set(apiErrorFrom(429, null, { error: 'Slow down' }));
    await settle(fixture);
    const alert = el.querySelector('[role="alert"]')!;
    expect(alert.getAttribute('data-kind')).toBe('rate-limited');
    expect(textOf(alert.querySelector('.title'))).toBe('Too many requests');
    expect(textOf(alert.querySelector('.message'))).toBe('Slow down');
    expect(textOf(alert.querySelector('.status'))).toBe('HTTP 429');
    alert.querySelector('button')!.click();
    expect(fixture.componentInstance.retries()).toBe(1);

    fixture.componentInstance.error.set(apiErrorFrom(0, null, null));
    await settle(fixture);
    expect(textOf(el.querySelector('[role="alert"]'))).not.toContain('HTTP');
  });
});

describe('asyncState', () => {
  it('keeps only the latest load and exposes errors', async () => {
    const resolvers: ((v: number) => void)[] = [];
    const state = asyncState(() => new Promise<number>((resolve) => resolvers.push(resolve)));
    const first = state.load();
    const second = state.load();
    expect(state.loading()).toBe(true);
    resolvers[1]!(2);
    resolvers[0]!(1);
    await Promise.all([first, second]);
    expect(state.value()).toBe(2);
    expect(state.loading()).toBe(false);
    state.set(5);
    expect(state.value()).toBe(5);

    const failing = asyncState(() => Promise.reject(apiErrorFrom(403, null, { error: 'no' })));
    await failing.load();
    expect(failing.error()?.kind).toBe('forbidden');
    expect(failing.value()).toBeUndefined();
  });
});
