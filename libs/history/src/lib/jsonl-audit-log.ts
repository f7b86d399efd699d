import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { HistoryRecord } from '@runbooks/types';
import { HistoryError } from './history-error';

/** Something lines can be written to, such as `process.stderr`. */
export interface AuditLineSink {
  write(chunk: string): unknown;
}

/** Where `JsonlAuditLog` writes: a file, a stream, or both. */
export interface JsonlAuditLogOptions {
  /** JSON-lines file opened with O_APPEND (parent folders created); null/omitted for none. */
  path?: string | null;
  /** Also write each line here (e.g. `process.stderr`). */
  stream?: AuditLineSink | null;
  /** Escape non-ASCII as `\uXXXX` like the reference's Python `json.dumps`; default true. */
  asciiOnly?: boolean;
  /** File mode when the file is created; default 0o640. */
  mode?: number;
}

/**
 * Serializes a history record as the reference logs it: minified JSON, keys in the reference's
 * order, extra properties dropped, non-ASCII escaped unless `asciiOnly` is false. No newline.
 */
export function serializeHistoryRecord(record: HistoryRecord, asciiOnly = true): string {
  const { breadcrumb } = record;
  const ordered: HistoryRecord = {
    start_timestamp: record.start_timestamp,
    finish_timestamp: record.finish_timestamp,
    return_code: record.return_code,
    operation: record.operation,
    breadcrumb: {
      at_time: breadcrumb.at_time,
      by_user: breadcrumb.by_user,
      from_ip: breadcrumb.from_ip,
      correlation_id: breadcrumb.correlation_id,
      recursion_stack: breadcrumb.recursion_stack,
      roles: breadcrumb.roles,
    },
    config_items: record.config_items.map((item) => ({
      name: item.name,
      value: item.value,
      from: item.from,
    })),
    stdout: record.stdout,
    stderr: record.stderr,
    errors: record.errors,
    warnings: record.warnings,
    // Approval decisions only: the reference's records never carry it.
    ...(record.approval
      ? {
          approval: {
            run_id: record.approval.run_id,
            decision: record.approval.decision,
            by: record.approval.by,
            text: record.approval.text,
          },
        }
      : {}),
  };
  const json = JSON.stringify(ordered);
  return asciiOnly ? json.replace(/[\u007f-\uffff]/g, escapeCodeUnit) : json;
}

function escapeCodeUnit(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Append-only JSON-lines audit log of history records, one line per run or denial. Appends are
 * serialized, and each line goes to the file in one `write` on an O_APPEND descriptor, so lines
 * from this and other processes never interleave.
 */
export class JsonlAuditLog {
  /** Absolute path of the log file, or null when logging to a stream only. */
  readonly path: string | null;
  private readonly stream: AuditLineSink | null;
  private readonly asciiOnly: boolean;
  private readonly mode: number;
  private handle: Promise<FileHandle> | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: JsonlAuditLogOptions = {}) {
    this.path = options.path ? resolve(options.path) : null;
    this.stream = options.stream ?? null;
    this.asciiOnly = options.asciiOnly ?? true;
    this.mode = options.mode ?? 0o640;
  }

  /** Appends one record as one line; resolves once it is written. Throws AUDIT_LOG_CLOSED after close. */
  append(record: HistoryRecord): Promise<void> {
    if (this.closed)
      return Promise.reject(new HistoryError('AUDIT_LOG_CLOSED', 'The audit log is closed.'));
    const line = `${serializeHistoryRecord(record, this.asciiOnly)}\n`;
    const write = this.queue.then(() => this.writeLine(line));
    // Keep the chain alive after a failed write; the caller still sees the failure.
    this.queue = write.catch(() => undefined);
    return write;
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    if (this.handle !== null) {
      const handle = await this.handle.catch(() => null);
      await handle?.close();
    }
  }

  private async writeLine(line: string): Promise<void> {
    if (this.path !== null) {
      const handle = await this.file(this.path);
      const bytes = Buffer.from(line, 'utf8');
      let offset = 0;
      // One write per line; the loop only continues after a short write (e.g. a full disk).
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    }
    this.stream?.write(line);
  }

  private file(path: string): Promise<FileHandle> {
    if (this.handle === null) {
      this.handle = mkdir(dirname(path), { recursive: true }).then(() =>
        open(path, 'a', this.mode),
      );
      // A failed open is retried by the next append.
      this.handle.catch(() => {
        this.handle = null;
      });
    }
    return this.handle;
  }
}
