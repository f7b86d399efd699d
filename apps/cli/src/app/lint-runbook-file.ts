import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { SECTION_TITLES, validateRunbook } from '@runbooks/runbook-format';
import { diagnosticJson, type DiagnosticJson } from './diagnostic-output';
import { allDiagnostics, loadLocalRunbook } from './local-runbooks';
import { displayPath } from './runbook-resolver';

/** What `runbook lint` found in one markdown file. */
export interface LintedFile {
  /** The path as shown to the user (relative to the working directory when inside it). */
  file: string;
  /** Why the file was not checked (not a runbook), or null when it was. */
  skipped: string | null;
  diagnostics: DiagnosticJson[];
}

const KNOWN_SECTIONS: ReadonlySet<string> = new Set(Object.values(SECTION_TITLES));

/**
 * Checks one markdown file as a runbook, without running anything. A file with none of the
 * format's H1 sections (a README, a procedure for people) is skipped, not failed. Variables are
 * not required to be set (that is the run's business); input files must exist beside the runbook.
 */
export function lintRunbookFile(path: string, cwd: string): LintedFile {
  const file = displayPath(path, cwd);
  let loaded: ReturnType<typeof loadLocalRunbook>;
  try {
    loaded = loadLocalRunbook({
      path,
      filename: basename(path),
      dir: dirname(path),
      display: file,
    });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      file,
      skipped: null,
      diagnostics: [
        {
          file,
          line: null,
          column: null,
          severity: 'error',
          code: null,
          message: `cannot read the file (${reason})`,
        },
      ],
    };
  }
  const { runbook } = loaded;
  if (runbook.isEmpty) return { file, skipped: 'empty file', diagnostics: [] };
  if (!runbook.sections.some((section) => KNOWN_SECTIONS.has(section.title))) {
    return { file, skipped: 'not a runbook (none of the runbook sections)', diagnostics: [] };
  }
  const declared = Object.fromEntries((runbook.environment ?? []).map((v) => [v.name, '']));
  const validation = validateRunbook(runbook, {
    env: declared,
    fileExists: (input) => existsSync(resolve(loaded.file.dir, input)),
    parseDiagnostics: loaded.diagnostics,
  });
  return {
    file,
    skipped: null,
    diagnostics: allDiagnostics(loaded, validation).map((d) => diagnosticJson(file, d)),
  };
}
