import { COMMA, ENTER } from '@angular/cdk/keycodes';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatChipsModule, type MatChipInputEvent } from '@angular/material/chips';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router } from '@angular/router';
import { toApiError, type ApiError } from '../../core/api/api-error';
import { SystemApi } from '../../core/api/system-api';
import { AuthService, safeReturnUrl } from '../../core/auth/auth.service';
import { TokenFormatError, readJwtClaims } from '../../core/auth/jwt-claims';
import { ServerInfo } from '../../core/server-info';
import { ErrorPanel } from '../../shared/error-panel';

/** Quick sign-in roles (the reference offers SRE, Data, API and UX; admin and viewer help demos). */
export const QUICK_ROLES: readonly { role: string; label: string }[] = [
  { role: 'sre', label: 'SRE' },
  { role: 'data', label: 'Data' },
  { role: 'api', label: 'API' },
  { role: 'ux', label: 'UX' },
  { role: 'admin', label: 'Admin' },
  { role: 'viewer', label: 'Viewer' },
];

const REASON_TEXT: Record<string, string> = {
  expired: 'Your session expired. Sign in again to continue where you left off.',
  unauthorized: 'The server no longer accepts your session. Sign in again to continue.',
};

/** Sign in with dev-login (when the server offers it) or with a pasted token. */
@Component({
  selector: 'rb-sign-in-page',
  imports: [
    FormsModule,
    MatButtonModule,
    MatChipsModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    ErrorPanel,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './sign-in.page.html',
  styleUrl: './sign-in.page.scss',
})
export class SignInPage {
  private readonly api = inject(SystemApi);
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly server = inject(ServerInfo);

  /** Where to go after signing in (query parameter). */
  readonly returnUrl = input<string | undefined>();
  /** Why the user is here (query parameter: `expired`, `unauthorized`). */
  readonly reason = input<string | undefined>();

  protected readonly quickRoles = QUICK_ROLES;
  protected readonly separatorKeys = [ENTER, COMMA] as const;
  protected subject = '';
  protected readonly roles = signal<string[]>(['sre', 'api']);
  protected token = '';
  protected readonly busy = signal(false);
  protected readonly devError = signal<ApiError | null>(null);
  protected readonly tokenError = signal<string | null>(null);
  protected readonly tokenApiError = signal<ApiError | null>(null);

  protected readonly notice = computed(() => {
    const reason = this.reason() ?? this.auth.lastSignOutReason();
    return reason ? (REASON_TEXT[reason] ?? null) : null;
  });
  /** Dev-login is shown unless the server said it is off. */
  protected readonly devLoginOffered = computed(() => this.server.info()?.dev_login ?? true);
  protected readonly infoLoaded = computed(() => this.server.info() !== null);

  constructor() {
    void this.server.ensureLoaded();
  }

  protected addRole(event: MatChipInputEvent): void {
    const values = event.value
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    if (values.length) this.roles.update((roles) => [...new Set([...roles, ...values])]);
    event.chipInput.clear();
  }

  protected removeRole(role: string): void {
    this.roles.update((roles) => roles.filter((r) => r !== role));
  }

  protected async devLogin(roles: string[] = this.roles()): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.devError.set(null);
    try {
      const subject = this.subject.trim();
      const response = await this.api.devLogin({
        ...(subject ? { subject } : {}),
        ...(roles.length ? { roles } : {}),
      });
      this.auth.signInWithDevLogin(response);
      await this.continue();
    } catch (error) {
      this.devError.set(toApiError(error));
    } finally {
      this.busy.set(false);
    }
  }

  protected async useToken(): Promise<void> {
    if (this.busy()) return;
    this.tokenError.set(null);
    this.tokenApiError.set(null);
    const token = this.token.trim().replace(/^Bearer\s+/i, '');
    if (!token) {
      this.tokenError.set('Paste a token first.');
      return;
    }
    this.busy.set(true);
    try {
      // Refuse what is not a JWT before sending it anywhere.
      readJwtClaims(token);
      await this.api.checkToken(token);
      this.auth.signInWithToken(token);
      await this.continue();
    } catch (error) {
      if (error instanceof TokenFormatError) this.tokenError.set(error.message);
      else {
        const apiError = toApiError(error);
        if (apiError.kind === 'unauthorized') {
          this.tokenError.set(
            `The server rejected this token${apiError.serverMessage ? `: ${apiError.serverMessage}` : '.'}`,
          );
        } else this.tokenApiError.set(apiError);
      }
    } finally {
      this.busy.set(false);
    }
  }

  private async continue(): Promise<void> {
    await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
  }
}
