import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
  type OnDestroy,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatSelectModule } from '@angular/material/select';
import { valueProblem } from '@runbooks/runbook-format';
import type { EnvVarInfo, ValidateResponse } from '@runbooks/types';
import { toApiError, type ApiError } from '../../core/api/api-error';
import { RunbooksApi } from '../../core/api/runbooks-api';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';

/** What the dialog is for: checking the runbook, or starting a run. */
export type VarsDialogMode = 'validate' | 'run';

/** Input of the dialog. */
export interface VarsDialogData {
  filename: string;
  name: string;
  mode: VarsDialogMode;
}

/** How a variable is asked for: from its declaration in the runbook. */
export type VarInputKind = 'text' | 'select' | 'number' | 'checkbox' | 'password' | 'server';

/** One variable field of the dialog. */
export interface VarField {
  name: string;
  description: string;
  /** The server has a value; an entry here overrides it. */
  available: boolean;
  secret: boolean;
  kind: VarInputKind;
  /** The declaration as the server reports it (type, enum, bounds, default, …). */
  info: EnvVarInfo;
}

/** A declaration as a server may send it (older servers send name and description only). */
type SentDeclaration = Partial<EnvVarInfo> & { name: string; description: string };

/** A declaration with the legacy defaults filled in (a required, non-secret string). */
function declarationOf(v: SentDeclaration): EnvVarInfo {
  return {
    type: 'string',
    enum: null,
    pattern: null,
    minimum: null,
    maximum: null,
    default: null,
    required: true,
    secret: false,
    from: null,
    ...v,
  };
}

function kindOf(info: EnvVarInfo): VarInputKind {
  if (info.from !== null) return 'server';
  if (info.secret) return 'password';
  if (info.enum !== null) return 'select';
  if (info.type === 'boolean') return 'checkbox';
  if (info.type === 'integer' || info.type === 'number') return 'number';
  return 'text';
}

/**
 * The problem with a field's value, by the runbook's own rules (`@runbooks/runbook-format`, as
 * the server checks them), or null. An empty value is a problem only for a required variable
 * without a default that the server does not provide.
 */
export function fieldProblem(field: VarField, value: string): string | null {
  if (field.kind === 'server' || field.kind === 'checkbox') return null;
  if (value.trim() === '') {
    const needed = field.info.required && field.info.default === null && !field.available;
    return needed ? `${field.name} is required to run this runbook.` : null;
  }
  return valueProblem(field.info, field.secret ? value : value.trim());
}

/** One label row. */
interface LabelRow {
  id: number;
  key: string;
  value: string;
}

/** Label keys: letters, digits, `.`, `_`, `-`, `/` (as Kubernetes-style labels). */
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

/** Fields from a required-env answer, in the runbook's order. */
export function fieldsOf(env: {
  required: readonly SentDeclaration[];
  available: readonly { name: string }[];
}): VarField[] {
  const available = new Set(env.available.map((v) => v.name));
  return env.required.map((v) => {
    const info = declarationOf(v);
    return {
      name: v.name,
      description: v.description,
      available: available.has(v.name) && info.from === null,
      secret: info.secret,
      kind: kindOf(info),
      info,
    };
  });
}

/**
 * The env_vars to send: non-blank values only, trimmed like the reference console does (a
 * secret is sent exactly as typed); never a `from` variable (the server provides it).
 */
export function envVarsOf(
  values: Record<string, string>,
  fields: readonly VarField[] = [],
): Record<string, string> {
  const byName = new Map(fields.map((field) => [field.name, field]));
  return Object.fromEntries(
    Object.entries(values)
      .filter(([name]) => byName.get(name)?.kind !== 'server')
      .map(([name, value]) => [name, byName.get(name)?.secret ? value : value.trim()] as const)
      .filter(([, value]) => value.trim() !== ''),
  );
}

/**
 * Collects variables (and, for a run, labels) for a runbook, then validates it or starts it.
 * Closes with the new run id after a successful start.
 */
@Component({
  selector: 'rb-runbook-vars-dialog',
  imports: [
    FormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatDialogModule,
    MatSelectModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    MatTooltipModule,
    ErrorPanel,
    LoadingState,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './runbook-vars-dialog.html',
  styleUrl: './runbook-vars-dialog.scss',
})
export class RunbookVarsDialog implements OnDestroy {
  private readonly api = inject(RunbooksApi);
  private readonly dialogRef = inject<MatDialogRef<RunbookVarsDialog, string>>(MatDialogRef);
  protected readonly data = inject<VarsDialogData>(MAT_DIALOG_DATA);

  protected readonly fields = signal<VarField[] | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly values: Record<string, string> = {};
  /** Bumped on every edit, so the inline errors are recomputed. */
  protected readonly edits = signal(0);
  protected readonly labels = signal<LabelRow[]>([]);
  private nextLabelId = 1;

  protected readonly busy = signal(false);
  protected readonly actionError = signal<ApiError | null>(null);
  protected readonly result = signal<ValidateResponse | null>(null);
  protected readonly isRun = this.data.mode === 'run';
  /** Inline errors by variable name, before anything is sent. */
  protected readonly problems = computed(() => {
    this.edits();
    const found = new Map<string, string>();
    for (const field of this.fields() ?? []) {
      const problem = fieldProblem(field, this.values[field.name] ?? '');
      // Validation reports what is missing; a run cannot start without it.
      const isFilled = (this.values[field.name] ?? '').trim() !== '';
      if (problem !== null && (this.isRun || isFilled)) found.set(field.name, problem);
    }
    return found;
  });

  constructor() {
    void this.loadFields();
  }

  protected async loadFields(): Promise<void> {
    this.loadError.set(null);
    try {
      const env = await this.api.requiredEnv(this.data.filename);
      const fields = fieldsOf(env);
      for (const field of fields) {
        this.values[field.name] ??=
          field.kind === 'checkbox' ? String(field.info.default ?? false) : '';
      }
      this.fields.set(fields);
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }

  ngOnDestroy(): void {
    this.forgetSecrets();
  }

  protected edited(): void {
    this.edits.update((count) => count + 1);
  }

  protected setChecked(name: string, checked: boolean): void {
    this.values[name] = String(checked);
    this.edited();
  }

  /** The hint under a field: its description and, when declared, its default. */
  protected hintOf(field: VarField): string {
    const parts = [field.description || 'No description'];
    if (field.info.default !== null) parts.push(`default ${String(field.info.default)}`);
    if (!field.info.required) parts.push('optional');
    return parts.join(' · ');
  }

  /** Forgets typed secret values (they are never kept once the dialog is done with them). */
  private forgetSecrets(): void {
    for (const field of this.fields() ?? []) if (field.secret) this.values[field.name] = '';
  }

  protected addLabel(): void {
    this.labels.update((rows) => [...rows, { id: this.nextLabelId++, key: '', value: '' }]);
  }

  protected removeLabel(id: number): void {
    this.labels.update((rows) => rows.filter((row) => row.id !== id));
  }

  protected labelKeyError(row: LabelRow): string | null {
    const key = row.key.trim();
    if (key === '') return row.value.trim() ? 'A label needs a key.' : null;
    if (!LABEL_KEY.test(key)) return 'Use letters, digits, . _ - / (up to 63 characters).';
    const duplicates = this.labels().filter((r) => r.key.trim() === key).length;
    return duplicates > 1 ? 'This key is used twice.' : null;
  }

  protected labelsValid(): boolean {
    return this.labels().every((row) => this.labelKeyError(row) === null);
  }

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    // A run needs valid values; validation reports every problem itself.
    if (this.isRun && this.problems().size > 0) return;
    this.busy.set(true);
    this.actionError.set(null);
    this.result.set(null);
    const envVars = envVarsOf(this.values, this.fields() ?? []);
    try {
      if (this.isRun) {
        const labels = Object.fromEntries(
          this.labels()
            .filter((row) => row.key.trim() !== '')
            .map((row) => [row.key.trim(), row.value.trim()]),
        );
        const runId = await this.api.start(this.data.filename, {
          env_vars: envVars,
          ...(Object.keys(labels).length ? { labels } : {}),
        });
        this.forgetSecrets();
        this.dialogRef.close(runId);
      } else {
        this.result.set(await this.api.validate(this.data.filename, envVars));
      }
    } catch (error) {
      this.actionError.set(toApiError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
