import { diagnostic, type Diagnostic } from './diagnostic';
import { parseHistoryEntries } from './history-entry';
import { scanMarkdownBlocks } from './markdown-blocks';
import { normalizeText } from './normalize-text';
import {
  NO_RETRY,
  readClaims,
  readEnvironment,
  readInputs,
  readRetryPolicy,
  type Read,
} from './read-blocks';
import { findMalformedHeadings, malformedHeadingDiagnostic } from './malformed-headings';
import { readApproval } from './read-approval';
import { NO_CONCURRENCY, readConcurrency } from './read-concurrency';
import { readSchedule } from './read-schedule';
import { readScript } from './read-script';
import {
  SECTION_TITLES,
  type ConcurrencyPolicy,
  type MalformedHeading,
  type Runbook,
  type SectionRange,
} from './runbook';
import type { FenceBlock } from './markdown-blocks';
import {
  checkSectionLayout,
  fencesIn,
  findContentSection,
  findSection,
  layoutSections,
} from './runbook-sections';

/** Options for {@link parseRunbook}. */
export interface ParseOptions {
  /** The file name (e.g. `SimpleRunbook.md`), used to check the name against it. */
  filename?: string;
}

/** A parsed runbook plus everything noticed while reading it. */
export interface ParseResult {
  runbook: Runbook;
  diagnostics: Diagnostic[];
}

/** Reference message for a file whose first line is not an H1. */
export const NAME_MISSING_MESSAGE =
  'Runbook must start with an H1 header containing the runbook name';

/** The file name without its `.md` extension. */
export function filenameStem(filename: string): string {
  return filename.endsWith('.md') ? filename.slice(0, -3) : filename;
}

function emptyRunbook(filename: string | null): Runbook {
  return {
    filename,
    name: null,
    description: '',
    environment: null,
    environmentErrors: [],
    inputs: null,
    requiredClaims: {},
    retryPolicy: { ...NO_RETRY },
    approval: null,
    concurrency: { ...NO_CONCURRENCY, locks: [] },
    schedule: null,
    scheduleErrors: [],
    script: null,
    scriptTrailingContentLine: null,
    history: [],
    sections: [],
    malformedHeadings: [],
    isEmpty: true,
  };
}

/**
 * Parses runbook markdown. Never throws: problems come back as diagnostics, and the parts that
 * could not be read are `null` in the runbook.
 */
export function parseRunbook(text: string, options: ParseOptions = {}): ParseResult {
  const filename = options.filename ?? null;
  const normalized = normalizeText(typeof text === 'string' ? text : '');
  if (normalized.trim() === '') {
    return {
      runbook: emptyRunbook(filename),
      diagnostics: [diagnostic('EMPTY_CONTENT', 'error', 'Runbook content is empty')],
    };
  }
  const lines = normalized.split('\n');
  const blocks = scanMarkdownBlocks(normalized);
  const { nameHeading, sections, fences } = layoutSections(blocks, lines);
  const diagnostics: Diagnostic[] = [];
  const malformedHeadings = findMalformedHeadings(blocks, nameHeading?.line ?? null);
  const runbook: Runbook = {
    ...emptyRunbook(filename),
    sections,
    malformedHeadings,
    isEmpty: false,
  };

  if (nameHeading) {
    runbook.name = nameHeading.title;
    const descriptionEnd = (sections[0]?.headingLine ?? lines.length + 1) - 1;
    runbook.description = lines.slice(1, descriptionEnd).join('\n').trim();
    const stem = filename === null ? null : filenameStem(filename);
    if (stem !== null && stem !== runbook.name) {
      diagnostics.push(
        diagnostic(
          'NAME_MISMATCH',
          'warning',
          `Runbook name '${runbook.name}' does not match filename '${stem}'`,
        ),
      );
    }
  } else {
    diagnostics.push(diagnostic('NAME_MISSING', 'error', NAME_MISSING_MESSAGE));
  }
  diagnostics.push(
    ...checkSectionLayout(sections),
    ...malformedHeadings.map(malformedHeadingDiagnostic),
  );

  const take = <T>(result: Read<T>): T => {
    diagnostics.push(...result.diagnostics);
    return result.value;
  };
  const environment = findContentSection(sections, SECTION_TITLES.environment);
  if (environment) {
    runbook.environment = take(readEnvironment(environment, fencesIn(environment, fences)));
    runbook.environmentErrors = diagnostics.filter(
      (found) => found.code === 'ENV_DECLARATION_INVALID',
    );
  }
  const files = findContentSection(sections, SECTION_TITLES.files);
  if (files) runbook.inputs = take(readInputs(files, fencesIn(files, fences)));
  const claims = findSection(sections, SECTION_TITLES.claims);
  if (claims) runbook.requiredClaims = take(readClaims(claims, fencesIn(claims, fences)));
  // A typo must never remove a restriction: a second claims section or a heading that looks like
  // one leaves the claims unreadable, so every caller is denied until the file is fixed.
  if (isAmbiguous(sections, malformedHeadings, SECTION_TITLES.claims))
    runbook.requiredClaims = null;
  const retry = findSection(sections, SECTION_TITLES.retry);
  if (retry) runbook.retryPolicy = take(readRetryPolicy(retry, fencesIn(retry, fences)));
  const approval = findSection(sections, SECTION_TITLES.approval);
  if (approval) runbook.approval = take(readApproval(approval, fencesIn(approval, fences)));
  // As for claims: a second Approval section or a heading that looks like one leaves the gate
  // unreadable (validation fails, every run is refused).
  if (isAmbiguous(sections, malformedHeadings, SECTION_TITLES.approval)) runbook.approval = null;
  runbook.concurrency = readConcurrencySection(runbook, fences, take);
  const schedule = findSection(sections, SECTION_TITLES.schedule);
  if (schedule) {
    const read = readSchedule(schedule, fencesIn(schedule, fences));
    diagnostics.push(...read.diagnostics);
    runbook.schedule = read.value;
    runbook.scheduleErrors = read.diagnostics.filter((found) => found.severity === 'error');
  }
  const script = findContentSection(sections, SECTION_TITLES.script);
  if (script) {
    const read = take(readScript(script, fencesIn(script, fences), lines));
    runbook.script = read.script;
    runbook.scriptTrailingContentLine = read.trailingContentLine;
  }

  const history = findSection(sections, SECTION_TITLES.history);
  if (history) {
    const body = lines.slice(history.startLine - 1, history.endLine).join('\n');
    runbook.history = parseHistoryEntries(body, history.startLine);
  }
  return {
    runbook,
    diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.column - b.column),
  };
}

/** True when a gate section is written twice or a heading looks like it: which one is meant is unclear. */
function isAmbiguous(
  sections: SectionRange[],
  malformed: MalformedHeading[],
  title: string,
): boolean {
  const copies = sections.filter((section) => section.title === title);
  return copies.length > 1 || malformed.some((heading) => heading.resembles === title);
}

/**
 * The Concurrency policy; null (refuse runs) when the section cannot be read, is written twice, or
 * a heading looks like it: a typo must never remove a limit or a lock.
 */
function readConcurrencySection(
  runbook: Runbook,
  fences: FenceBlock[],
  take: <T>(result: Read<T>) => T,
): ConcurrencyPolicy | null {
  const title = SECTION_TITLES.concurrency;
  const section = findSection(runbook.sections, title);
  const copies = runbook.sections.filter((found) => found.title === title).length;
  const lookalike = runbook.malformedHeadings.some((heading) => heading.resembles === title);
  if (!section) return lookalike ? null : { ...NO_CONCURRENCY, locks: [] };
  const policy = take(readConcurrency(section, fencesIn(section, fences), runbook.environment));
  return copies > 1 || lookalike ? null : policy;
}
