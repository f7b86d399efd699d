import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { Blank } from '../testing/test-routes';
import { configureApp, settle, textOf } from '../testing/test-providers';
import { App } from './app';

describe('App shell', () => {
  it('shows navigation and the user menu when signed in, and signs out', async () => {
    const app = configureApp({
      routes: [
        { path: 'sign-in', component: Blank },
        { path: 'runbooks', component: Blank },
      ],
    });
    const fixture = TestBed.createComponent(App);
    await settle(fixture);
    app.http
      .expectOne('/api/info')
      .flush({ name: 'runbooks', version: '1', ui_header: 'Ops Console', dev_login: true });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(textOf(el.querySelector('.brand'))).toBe('Ops Console');
    expect(
      [...el.querySelectorAll('nav[aria-label="Main"] a')].map((a) => a.getAttribute('aria-label')),
    ).toEqual(['Runbooks', 'Runs', 'Approvals', 'Schedules', 'Admin']);
    const user = el.querySelector<HTMLButtonElement>('button.user')!;
    expect(user.getAttribute('aria-label')).toBe('Signed in as alice. Account menu');
    user.click();
    await settle(fixture);
    expect(document.querySelector('.menu-roles')?.textContent).toContain('sre, api');
    [...document.querySelectorAll<HTMLButtonElement>('[mat-menu-item]')]
      .find((b) => textOf(b) === 'Sign out')!
      .click();
    await settle(fixture);
    expect(app.auth.isSignedIn()).toBe(false);
    expect(TestBed.inject(Router).url).toBe('/sign-in');
    expect(el.querySelector('nav[aria-label="Main"]')).toBeNull();
  });

  it('falls back to the default title when the server is unreachable', async () => {
    const app = configureApp({ signedIn: false });
    const fixture = TestBed.createComponent(App);
    await settle(fixture);
    app.http.expectOne('/api/info').error(new ProgressEvent('error'), { status: 0 });
    await settle(fixture);
    expect(textOf((fixture.nativeElement as HTMLElement).querySelector('.brand'))).toBe('Runbooks');
  });
});
