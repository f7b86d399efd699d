import { Injectable, inject } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { TitleStrategy, type RouterStateSnapshot } from '@angular/router';
import { ServerInfo } from './server-info';

/** Page titles read "<screen> · <server header>", e.g. "Runs · Runbooks". */
@Injectable()
export class PageTitleStrategy extends TitleStrategy {
  private readonly title = inject(Title);
  private readonly server = inject(ServerInfo);

  override updateTitle(snapshot: RouterStateSnapshot): void {
    const page = this.buildTitle(snapshot);
    const app = this.server.title();
    this.title.setTitle(page ? `${page} · ${app}` : app);
  }
}
