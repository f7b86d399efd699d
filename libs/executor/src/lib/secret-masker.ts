/** What a masked occurrence is replaced with. */
export const MASK = '***';

/** Secret values shorter than this are not masked on their own (they would match everywhere). */
export const MIN_MASKED_LENGTH = 4;

/**
 * The texts that stand for one secret value in output: the value, each line of a multi-line
 * value, its JSON-string escaping, its `encodeURIComponent` form, and its standard base64 with
 * and without padding, plus the part of its base64 that does not depend on what surrounds it (so
 * `echo "$SECRET" | base64` and `base64 <<< "user:$SECRET"` are caught too).
 */
export function maskedFormsOf(value: string): string[] {
  const normalized = value.replace(/\r\n?/g, '\n');
  if (normalized.length < MIN_MASKED_LENGTH) return [];
  const forms = new Set<string>([normalized]);
  for (const line of normalized.split('\n')) forms.add(line.trim());
  forms.add(JSON.stringify(normalized).slice(1, -1));
  forms.add(encodeURIComponent(normalized));
  const bytes = Buffer.from(normalized, 'utf8');
  const padded = bytes.toString('base64');
  forms.add(padded);
  forms.add(padded.replace(/=+$/, ''));
  for (const shift of [0, 1, 2]) forms.add(stableBase64(bytes, shift));
  return [...forms].filter((form) => form.length >= MIN_MASKED_LENGTH);
}

/**
 * The base64 characters that encode only `bytes` when they sit `shift` bytes after a 3-byte
 * boundary of a longer input (whatever comes before or after them).
 */
function stableBase64(bytes: Buffer, shift: number): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
  const firstBit = shift * 8;
  const endBit = firstBit + bytes.length * 8;
  const first = Math.ceil(firstBit / 6);
  const end = Math.floor(endBit / 6);
  return end > first ? encoded.slice(first, end) : '';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A streaming transform that replaces secret values (and their encoded forms, see
 * {@link maskedFormsOf}) with `***` in text that arrives in pieces. A value split across two
 * pieces is still found: only the shortest tail that could start a value is held back until
 * the next piece (or {@link end}); everything else is passed on at once.
 */
export class SecretMasker {
  private readonly forms: string[];
  private readonly pattern: RegExp | null;
  private readonly firstChars: Set<string>;
  private readonly longest: number;
  private held = '';

  /** @param values the secret values to hide; those under 4 characters are ignored. */
  constructor(values: readonly string[]) {
    const forms = new Set<string>();
    for (const value of values) for (const form of maskedFormsOf(value)) forms.add(form);
    // Longest first, so that a value is masked whole rather than by a shorter form inside it.
    this.forms = [...forms].sort((a, b) => b.length - a.length);
    this.pattern =
      this.forms.length > 0 ? new RegExp(this.forms.map(escapeRegExp).join('|'), 'g') : null;
    this.firstChars = new Set(this.forms.map((form) => form.charAt(0)));
    this.longest = this.forms[0]?.length ?? 0;
  }

  /** True when there is nothing to mask (the transform passes text through unchanged). */
  get isEmpty(): boolean {
    return this.pattern === null;
  }

  /** Masks the next piece; may hold back a tail that could be the start of a value. */
  push(text: string): string {
    if (this.pattern === null) return text;
    const buffer = this.held + text;
    this.held = '';
    const pattern = this.pattern;
    // Usually nothing at the end could begin a value: every match is final, one replace does it.
    if (this.pendingStart(buffer, 0, buffer.length) === -1) return buffer.replace(pattern, MASK);
    pattern.lastIndex = 0;
    let out = '';
    let position = 0;
    for (let match = pattern.exec(buffer); match !== null; match = pattern.exec(buffer)) {
      const pending = this.pendingStart(buffer, position, match.index + 1);
      if (pending !== -1) return this.hold(out, buffer, position, pending);
      out += buffer.slice(position, match.index) + MASK;
      position = match.index + match[0].length;
    }
    const pending = this.pendingStart(buffer, position, buffer.length);
    return this.hold(out, buffer, position, pending === -1 ? buffer.length : pending);
  }

  /** Masks and returns whatever was held back (end of the stream). */
  end(): string {
    const rest = this.held;
    this.held = '';
    if (this.pattern === null || rest === '') return rest;
    return rest.replace(this.pattern, MASK);
  }

  private hold(out: string, buffer: string, position: number, holdFrom: number): string {
    this.held = buffer.slice(holdFrom);
    return out + buffer.slice(position, holdFrom);
  }

  /**
   * The first index in [from, to) where the rest of `buffer` is a proper prefix of a form (a
   * value that may still complete with the next piece), or -1.
   */
  private pendingStart(buffer: string, from: number, to: number): number {
    const start = Math.max(from, buffer.length - this.longest + 1);
    for (let index = start; index < to && index < buffer.length; index += 1) {
      if (!this.firstChars.has(buffer.charAt(index))) continue;
      const rest = buffer.slice(index);
      if (this.forms.some((form) => form.length > rest.length && form.startsWith(rest)))
        return index;
    }
    return -1;
  }
}
