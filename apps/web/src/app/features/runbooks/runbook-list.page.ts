import { BreakpointObserver } from '@angular/cdk/layout';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
  type OnDestroy,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatSortModule, type Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';
import type { RunbookListItem } from '@runbooks/types';
import { map } from 'rxjs';
import { RunbooksApi } from '../../core/api/runbooks-api';
import { formatRelativeTime, formatTimestamp } from '../../core/format/time-format';
import { asyncState } from '../../shared/async-state';
import { EmptyState } from '../../shared/empty-state';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';
import { StatusChip } from '../../shared/status-chip';

/** Sortable columns of the list. */
export type RunbookSortKey = 'name' | 'filename' | 'access' | 'lastRun';

/** Required roles (or any claim) of a runbook as short strings: `roles: sre, api`. */
export function claimSummary(item: RunbookListItem): string[] {
  const claims = item.required_claims;
  if (claims === null) return ['unreadable claims'];
  if (!claims) return [];
  return Object.entries(claims).flatMap(([claim, values]) =>
    claim === 'roles' ? values : values.map((v) => `${claim}=${v}`),
  );
}

/** The first paragraph of a description, for the list (the detail page shows all of it). */
export function shortDescription(description: string | undefined): string {
  const first = (description ?? '').trim().split(/\n\s*\n/)[0] ?? '';
  return first.replace(/\s+/g, ' ');
}

/** A piece of a list description: plain text, or a `code span` to show in code style. */
export interface DescriptionPart {
  text: string;
  isCode: boolean;
}

/**
 * The short description as text and code parts: inline markdown is rendered, not shown raw
 * (code spans become code; emphasis, links and images keep only their text). Never HTML.
 */
export function descriptionParts(description: string | undefined): DescriptionPart[] {
  const text = shortDescription(description);
  const parts: DescriptionPart[] = [];
  const codeSpan = /(`+)(.+?)\1/g;
  let last = 0;
  for (let match = codeSpan.exec(text); match; match = codeSpan.exec(text)) {
    if (match.index > last)
      parts.push({ text: plainMarkdown(text.slice(last, match.index)), isCode: false });
    parts.push({ text: (match[2] ?? '').trim(), isCode: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: plainMarkdown(text.slice(last)), isCode: false });
  return parts.filter((part) => part.text !== '');
}

function plainMarkdown(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])([*_])(\S(?:.*?\S)?)\2(?=$|[\s).,;:!?])/g, '$1$3');
}

/** Whether an item matches a free-text search (name, filename, description, roles). */
export function matchesSearch(item: RunbookListItem, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [item.name, item.filename, item.description ?? '', ...claimSummary(item)].some((text) =>
    text.toLowerCase().includes(q),
  );
}

/** Orders items by a column; ties keep the server's (filename) order. */
export function sortRunbooks(items: readonly RunbookListItem[], sort: Sort): RunbookListItem[] {
  const direction = sort.direction === 'desc' ? -1 : 1;
  if (!sort.direction) return [...items];
  const key = (item: RunbookListItem): string | number => {
    switch (sort.active as RunbookSortKey) {
      case 'filename':
        return item.filename.toLowerCase();
      case 'access':
        return item.can_execute === true ? 0 : item.can_execute === false ? 2 : 1;
      case 'lastRun':
        return item.last_run ? Date.parse(item.last_run.created_at) || 0 : 0;
      default:
        return item.name.toLowerCase();
    }
  };
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -direction : ka > kb ? direction : 0;
  });
}

/** The runbooks list: search, sort, who may run what, and the last run of each. */
@Component({
  selector: 'rb-runbook-list-page',
  imports: [
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatSortModule,
    MatTableModule,
    MatTooltipModule,
    EmptyState,
    ErrorPanel,
    LoadingState,
    StatusChip,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './runbook-list.page.html',
  styleUrl: './runbook-list.page.scss',
})
export class RunbookListPage implements OnDestroy {
  private readonly api = inject(RunbooksApi);
  private readonly router = inject(Router);
  private readonly clock = setInterval(() => this.now.set(Date.now()), 30_000);

  protected readonly state = asyncState(() => this.api.list());
  protected readonly query = signal('');
  protected readonly sort = signal<Sort>({ active: 'name', direction: 'asc' });
  protected readonly now = signal(Date.now());
  private readonly isNarrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 719px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );

  protected readonly columns = computed(() =>
    this.isNarrow()
      ? ['name', 'access', 'lastRun']
      : ['name', 'filename', 'description', 'roles', 'access', 'lastRun'],
  );
  protected readonly rows = computed(() =>
    sortRunbooks(
      (this.state.value() ?? []).filter((item) => matchesSearch(item, this.query())),
      this.sort(),
    ),
  );
  protected readonly claimSummary = claimSummary;
  protected readonly shortDescription = shortDescription;
  protected readonly formatRelativeTime = formatRelativeTime;
  protected readonly formatTimestamp = formatTimestamp;
  protected readonly descriptionParts = descriptionParts;

  constructor() {
    void this.state.load();
  }

  ngOnDestroy(): void {
    clearInterval(this.clock);
  }

  protected open(item: RunbookListItem): void {
    void this.router.navigate(['/runbooks', item.filename]);
  }
}
