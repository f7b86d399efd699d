import { diagnostic, type Diagnostic } from './diagnostic';
import type { FenceBlock } from './markdown-blocks';
import { SHELL_LANGUAGES, type Read } from './read-blocks';
import type { RunbookScript, SectionRange } from './runbook';

/** What the Script section holds: the script, or where content follows its fence. */
export interface ScriptRead {
  script: RunbookScript | null;
  /** Line of the first content after the script's closing fence inside the section, or null. */
  trailingContentLine: number | null;
}

/**
 * Error for content after the script's fence. The usual cause is a bare ``` line inside the
 * script (a markdown heredoc) that closes a three-backtick fence early: the rest of the script
 * would then be silently dropped.
 */
export const SCRIPT_TRAILING_CONTENT_MESSAGE =
  "Script section has content after the script's closing fence: a line of ``` inside the script " +
  '(a markdown heredoc, say) ends a ```sh fence early and only the lines before it would run. ' +
  'Fence the script with more backticks than any line inside it (````sh ... ````) and put ' +
  'nothing after the script in this section';

/** The Script-section error at `line`; parse and validation report the same one. */
export function scriptTrailingContentDiagnostic(line: number): Diagnostic {
  return diagnostic('SCRIPT_TRAILING_CONTENT', 'error', SCRIPT_TRAILING_CONTENT_MESSAGE, line);
}

/** First non-blank line of the section after `afterLine`, or null. */
function firstContentLineAfter(
  section: SectionRange,
  lines: readonly string[],
  afterLine: number,
): number | null {
  for (let line = afterLine + 1; line <= section.endLine; line++) {
    if ((lines[line - 1] ?? '').trim() !== '') return line;
  }
  return null;
}

/**
 * Reads the first shell-tagged fence of the Script section. Content after that fence makes the
 * script null (fail closed: a possibly truncated script is never run) and is an error.
 */
export function readScript(
  section: SectionRange,
  fences: FenceBlock[],
  lines: readonly string[],
): Read<ScriptRead> {
  const fence = fences.find((f) => SHELL_LANGUAGES.includes(f.language));
  const diagnostics: Diagnostic[] = [];
  if (!fence) {
    const other = fences[0];
    if (other) {
      const tag = other.language === '' ? 'no language tag' : `language '${other.language}'`;
      diagnostics.push(
        diagnostic(
          'SCRIPT_LANGUAGE_UNSUPPORTED',
          'warning',
          `Script fence has ${tag}; use one of ${SHELL_LANGUAGES.join(', ')}`,
          other.line,
        ),
      );
    }
    return { value: { script: null, trailingContentLine: null }, diagnostics };
  }
  const trailingContentLine = firstContentLineAfter(section, lines, fence.endLine);
  if (trailingContentLine !== null) {
    diagnostics.push(scriptTrailingContentDiagnostic(trailingContentLine));
    return { value: { script: null, trailingContentLine }, diagnostics };
  }
  const content = fence.content.trim();
  const script = content === '' ? null : { language: fence.language, content, line: fence.line };
  return { value: { script, trailingContentLine: null }, diagnostics };
}
