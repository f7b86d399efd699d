import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatMenuModule } from '@angular/material/menu';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from './core/auth/auth.service';
import { formatTimestamp } from './core/format/time-format';
import { PendingApprovals } from './core/runs/pending-approvals';
import { ServerInfo } from './core/server-info';

/** The shell: skip link, toolbar with navigation and the user menu, and the routed screen. */
@Component({
  selector: 'rb-root',
  imports: [
    RouterOutlet,
    RouterLink,
    RouterLinkActive,
    MatToolbarModule,
    MatButtonModule,
    MatIconModule,
    MatMenuModule,
    MatTooltipModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './app.html',
  styleUrl: './app.scss',
})
export class App {
  protected readonly auth = inject(AuthService);
  protected readonly server = inject(ServerInfo);
  protected readonly approvals = inject(PendingApprovals);
  private readonly router = inject(Router);

  protected readonly expiry = computed(() => {
    const at = this.auth.session()?.expiresAt;
    return at ? formatTimestamp(new Date(at).toISOString()) : null;
  });

  constructor() {
    void this.server.ensureLoaded();
  }

  protected signOut(): void {
    this.auth.signOut('user');
    void this.router.navigate(['/sign-in']);
  }
}
