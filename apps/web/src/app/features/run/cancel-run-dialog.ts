import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';

/** Input of the cancel confirmation. */
export interface CancelRunDialogData {
  runbook: string;
}

/** Asks for confirmation (and an optional reason) before canceling a run; closes with the reason. */
@Component({
  selector: 'rb-cancel-run-dialog',
  imports: [FormsModule, MatButtonModule, MatDialogModule, MatFormFieldModule, MatInputModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title>Cancel this run?</h2>
    <form (ngSubmit)="confirm()">
      <mat-dialog-content>
        <p>
          The script of <strong>{{ data.runbook }}</strong> and everything it started will be
          stopped. Output so far is kept.
        </p>
        <mat-form-field class="reason">
          <mat-label>Reason (optional)</mat-label>
          <input matInput name="reason" [(ngModel)]="reason" maxlength="500" />
          <mat-hint>Recorded with the run.</mat-hint>
        </mat-form-field>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>Keep running</button>
        <button mat-flat-button type="submit" class="danger">Cancel run</button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .reason {
      width: 100%;
    }
    .danger {
      background: var(--mat-sys-error);
      color: var(--mat-sys-on-error);
    }
  `,
})
export class CancelRunDialog {
  protected readonly data = inject<CancelRunDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<CancelRunDialog, string>>(MatDialogRef);
  protected reason = '';

  protected confirm(): void {
    this.ref.close(this.reason);
  }
}
