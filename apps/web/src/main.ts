import { bootstrapApplication } from '@angular/platform-browser';
import { App } from './app/app';
import { appConfig } from './app/app.config';

bootstrapApplication(App, appConfig).catch((error: unknown) => {
  console.error(error);
  const root = document.querySelector('rb-root');
  if (root) root.textContent = 'The console failed to start. Reload the page to try again.';
});
