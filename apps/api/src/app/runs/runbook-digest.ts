import { createHash } from 'node:crypto';

import { textBeforeHistory } from '@runbooks/runbook-format';

import type { CatalogEntry } from '../catalog/runbook-catalog.service';

/** Digests of catalog entries: an entry is replaced when its file changes, so it never goes stale. */
const digests = new WeakMap<CatalogEntry, string>();

/**
 * Hex SHA-256 of a runbook's text before its `# History` line (UTF-8): the same for every History
 * append, different after any other edit. Recorded on every run; an approved run starts only if
 * it still matches.
 */
export function runbookSha256(text: string): string {
  return createHash('sha256').update(textBeforeHistory(text), 'utf8').digest('hex');
}

/** {@link runbookSha256} of a catalog entry, computed once per version of the file. */
export function entrySha256(entry: CatalogEntry): string {
  let digest = digests.get(entry);
  if (digest === undefined) {
    digest = runbookSha256(entry.text);
    digests.set(entry, digest);
  }
  return digest;
}
