import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { RequiredEnvResponse, ValidateResponse } from '@runbooks/types';
import { toApiError, type ApiError } from '../../core/api/api-error';
import { RunbooksApi } from '../../core/api/runbooks-api';
import { looksSecret } from '../../core/format/secret-name';
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

/** One variable field of the dialog. */
export interface VarField {
  name: string;
  description: string;
  /** The server has a value; an entry here overrides it. */
  available: boolean;
  secret: boolean;
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
export function fieldsOf(env: RequiredEnvResponse): VarField[] {
  const available = new Set(env.available.map((v) => v.name));
  return env.required.map((v) => ({
    name: v.name,
    description: v.description,
    available: available.has(v.name),
    secret: looksSecret(v.name),
  }));
}

/** The env_vars to send: non-blank values only, trimmed like the reference console does. */
export function envVarsOf(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .map(([name, value]) => [name, value.trim()] as const)
      .filter(([, value]) => value !== ''),
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
    MatDialogModule,
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
export class RunbookVarsDialog {
  private readonly api = inject(RunbooksApi);
  private readonly dialogRef = inject<MatDialogRef<RunbookVarsDialog, string>>(MatDialogRef);
  protected readonly data = inject<VarsDialogData>(MAT_DIALOG_DATA);

  protected readonly fields = signal<VarField[] | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly values: Record<string, string> = {};
  protected readonly revealed = signal<ReadonlySet<string>>(new Set());
  protected readonly labels = signal<LabelRow[]>([]);
  private nextLabelId = 1;

  protected readonly busy = signal(false);
  protected readonly actionError = signal<ApiError | null>(null);
  protected readonly result = signal<ValidateResponse | null>(null);
  protected readonly isRun = this.data.mode === 'run';
  protected readonly missingCount = computed(
    () => (this.fields() ?? []).filter((f) => !f.available).length,
  );

  constructor() {
    void this.loadFields();
  }

  protected async loadFields(): Promise<void> {
    this.loadError.set(null);
    try {
      const env = await this.api.requiredEnv(this.data.filename);
      const fields = fieldsOf(env);
      for (const field of fields) this.values[field.name] ??= '';
      this.fields.set(fields);
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }

  protected isRevealed(name: string): boolean {
    return this.revealed().has(name);
  }

  protected toggleReveal(name: string): void {
    this.revealed.update((set) => {
      const next = new Set(set);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
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
    this.busy.set(true);
    this.actionError.set(null);
    this.result.set(null);
    const envVars = envVarsOf(this.values);
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
