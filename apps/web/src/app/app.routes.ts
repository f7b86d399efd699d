import type { Routes } from '@angular/router';
import { authGuard, signedOutGuard } from './core/auth/auth.guard';

/** Routes: every screen is lazy; all but sign-in need a session. */
export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'runbooks' },
  {
    path: 'sign-in',
    title: 'Sign in',
    canActivate: [signedOutGuard],
    loadComponent: () => import('./features/sign-in/sign-in.page').then((m) => m.SignInPage),
  },
  { path: 'login', redirectTo: 'sign-in' },
  {
    path: '',
    canActivate: [authGuard],
    children: [
      {
        path: 'runbooks',
        title: 'Runbooks',
        loadComponent: () =>
          import('./features/runbooks/runbook-list.page').then((m) => m.RunbookListPage),
      },
      {
        path: 'runbooks/:filename',
        title: 'Runbook',
        loadComponent: () =>
          import('./features/runbook/runbook-detail.page').then((m) => m.RunbookDetailPage),
      },
      // The reference console's path.
      { path: 'runbook/:filename', redirectTo: 'runbooks/:filename' },
      {
        path: 'runs',
        title: 'Runs',
        loadComponent: () => import('./features/runs/runs.page').then((m) => m.RunsPage),
      },
      {
        path: 'runs/:id',
        title: 'Run',
        loadComponent: () => import('./features/run/run-view.page').then((m) => m.RunViewPage),
      },
      {
        path: 'approvals',
        title: 'Approvals',
        loadComponent: () =>
          import('./features/approvals/approvals.page').then((m) => m.ApprovalsPage),
      },
      {
        path: 'schedules',
        title: 'Schedules',
        loadComponent: () =>
          import('./features/schedules/schedules.page').then((m) => m.SchedulesPage),
      },
      {
        path: 'admin',
        title: 'Admin',
        loadComponent: () => import('./features/admin/admin.page').then((m) => m.AdminPage),
      },
    ],
  },
  {
    path: '**',
    title: 'Not found',
    loadComponent: () => import('./features/not-found/not-found.page').then((m) => m.NotFoundPage),
  },
];
