import { AppError } from '../errors/app-error';
import type { CatalogEntry } from '../catalog/runbook-catalog.service';

/** Whether a runbook has a Script section: without one it is documentation, listed as such. */
export function hasScriptSection(entry: CatalogEntry): boolean {
  return entry.parsed.runbook.sections.some((section) => section.title === 'Script');
}

/**
 * Refuses to execute a documentation-only runbook (one clear 400, and no run recorded: there
 * was never anything to run). A file that cannot be loaded at all is the run service's business.
 */
export function assertRunnable(entry: CatalogEntry): void {
  if (entry.parsed.runbook.isEmpty || hasScriptSection(entry)) return;
  throw new AppError(
    'BAD_REQUEST',
    `${entry.filename} is documentation only: it has no Script section, so there is nothing to run.`,
  );
}
