import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';
import { EmptyState } from '../../shared/empty-state';

/** Shown for console paths that do not exist. */
@Component({
  selector: 'rb-not-found-page',
  imports: [RouterLink, EmptyState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1 class="visually-hidden">Page not found</h1>
      <rb-empty-state heading="This page does not exist" icon="search">
        <a routerLink="/runbooks">Go to the runbooks</a>
      </rb-empty-state>
    </div>
  `,
})
export class NotFoundPage {}
