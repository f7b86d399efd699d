import { Component } from '@angular/core';
import type { Routes } from '@angular/router';
import { authGuard, signedOutGuard } from '../app/core/auth/auth.guard';

/** An empty routed screen for navigation tests. */
@Component({ selector: 'rb-blank', template: '' })
export class Blank {}

/** A small route table shaped like the app's: a public sign-in and guarded screens. */
export const TEST_ROUTES: Routes = [
  { path: 'sign-in', canActivate: [signedOutGuard], component: Blank },
  {
    path: '',
    canActivate: [authGuard],
    children: [
      { path: 'runbooks', component: Blank },
      { path: 'runs/:id', component: Blank },
      { path: 'runs', component: Blank },
    ],
  },
];

/** An in-memory Storage for session tests. */
export class MemoryStorage implements Storage {
  private readonly map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.map.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public nowMs = Date.parse('2026-06-01T12:00:00Z')) {}
  readonly now = (): number => this.nowMs;
}
