import type { CommandContext } from './command-context';
import { formatDiagnostic, type DiagnosticJson } from './diagnostic-output';

const MISSING_VARIABLE = /^Required environment variable not set: (\S+)$/;

/**
 * Prints why a runbook was not executed, the same way for a local and a server-side check:
 * `file[:line:column]: error: message` lines, a hint naming the variables to pass, a verdict.
 */
export function reportValidationFailure(
  ctx: CommandContext,
  diagnostics: readonly DiagnosticJson[],
): void {
  for (const diagnostic of diagnostics) ctx.note(formatDiagnostic(diagnostic, ctx.err));
  const missing = diagnostics
    .filter((diagnostic) => diagnostic.severity === 'error')
    .map((diagnostic) => MISSING_VARIABLE.exec(diagnostic.message)?.[1])
    .filter((name): name is string => name !== undefined);
  if (missing.length > 0)
    ctx.note(`hint: pass ${missing.map((name) => `--env ${name}=value`).join(' ')}`);
  ctx.note('Validation failed. Cannot execute runbook.');
}

/**
 * Holds a run's first stderr output for a moment: when the server refuses the run (validation,
 * recursion) it sends its messages as stderr just before `done`, and they are then reported as
 * diagnostics instead of raw text. Anything else is released at once when stdout arrives, or
 * after `holdMs`.
 */
export class HeldStderr {
  private held = '';
  private released = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: (text: string) => void,
    private readonly holdMs = 300,
  ) {}

  /** Output of the run, in order. */
  output(stream: 'stdout' | 'stderr', data: string, writeStdout: (text: string) => void): void {
    if (stream === 'stderr' && !this.released) {
      this.held += data;
      this.timer ??= setTimeout(() => this.release(), this.holdMs);
      return;
    }
    this.release();
    if (stream === 'stdout') writeStdout(data);
    else this.write(data);
  }

  /** True when everything the run printed was held and equals its refusal messages. */
  isOnlyRefusal(errors: readonly string[]): boolean {
    return !this.released && errors.length > 0 && this.held.trim() === errors.join('\n').trim();
  }

  /** Writes what is held (once); later stderr passes straight through. */
  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.released) return;
    this.released = true;
    if (this.held !== '') this.write(this.held);
    this.held = '';
  }

  /** Forgets what is held (it was reported otherwise). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held = '';
    this.released = true;
  }
}
