import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { provideAppInitializer, type Provider, type EnvironmentProviders } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { provideRouter, withComponentInputBinding, type Routes } from '@angular/router';
import { authInterceptor } from '../app/core/auth/auth.interceptor';
import { AuthService } from '../app/core/auth/auth.service';
import { FETCH, SESSION_STORAGE } from '../app/core/browser-tokens';
import { registerAppIcons } from '../app/core/icons/app-icons';
import { FakeFetch } from './fake-fetch';
import { MemoryStorage, TEST_ROUTES } from './test-routes';

/** Options of {@link configureApp}. */
export interface TestAppOptions {
  routes?: Routes;
  roles?: string[];
  signedIn?: boolean;
  extra?: (Provider | EnvironmentProviders)[];
}

/**
 * Configures TestBed like the real app (router with input binding, HttpClient with the auth
 * interceptor, icons), with Angular's HTTP testing backend and a scripted network for fetch.
 */
export function configureApp(options: TestAppOptions = {}) {
  const net = new FakeFetch();
  TestBed.configureTestingModule({
    providers: [
      provideRouter(options.routes ?? TEST_ROUTES, withComponentInputBinding()),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      provideAppInitializer(registerAppIcons),
      { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
      { provide: FETCH, useValue: net.fetch },
      // jsdom fires no animationend: dialogs and menus must open and close at once.
      { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
      ...(options.extra ?? []),
    ],
  });
  const auth = TestBed.inject(AuthService);
  if (options.signedIn ?? true) {
    auth.signInWithDevLogin({
      access_token: 'tok',
      token_type: 'bearer',
      expires_at: '2999-01-01T00:00:00Z',
      subject: 'alice',
      roles: options.roles ?? ['sre', 'api'],
    });
  }
  return { net, auth, http: TestBed.inject(HttpTestingController) };
}

/** Lets signals, HTTP callbacks and rendering settle. */
export async function settle(fixture?: { whenStable(): Promise<unknown> }): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await fixture?.whenStable();
  }
}

/** Text of an element with whitespace collapsed. */
export function textOf(element: Element | null | undefined): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
