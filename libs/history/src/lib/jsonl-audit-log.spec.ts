import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryRecord } from '@runbooks/types';
import { auditRecord } from '../../test/audit-worker';
import { isHistoryError } from './history-error';
import { JsonlAuditLog, serializeHistoryRecord } from './jsonl-audit-log';

const TS_REGISTER = join(__dirname, '../../test/ts-register.cjs');
const AUDIT_WORKER = join(__dirname, '../../test/audit-worker.ts');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbooks-history-audit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const denial: HistoryRecord = {
  start_timestamp: '2026-11-22T07:17:51.447Z',
  finish_timestamp: '2026-11-22T07:17:51.447Z',
  return_code: 403,
  operation: 'execute',
  breadcrumb: {
    at_time: '2026-11-22T07:17:51.447015+00:00',
    by_user: 'viewer1',
    from_ip: '127.0.0.1',
    correlation_id: 'c0ffee',
    recursion_stack: null,
    roles: ['viewer'],
  },
  config_items: [],
  stdout: '',
  stderr: '',
  errors: ['RBAC Failure: Access denied for user viewer1. RBAC check failed for execute.'],
  warnings: [],
};

function runWorker(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', TS_REGISTER, AUDIT_WORKER, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('serializeHistoryRecord', () => {
  it('writes the reference shape: minified, keys in order', () => {
    expect(serializeHistoryRecord(denial)).toBe(
      '{"start_timestamp":"2026-11-22T07:17:51.447Z","finish_timestamp":"2026-11-22T07:17:51.447Z",' +
        '"return_code":403,"operation":"execute","breadcrumb":{"at_time":"2026-11-22T07:17:51.447015+00:00",' +
        '"by_user":"viewer1","from_ip":"127.0.0.1","correlation_id":"c0ffee","recursion_stack":null,"roles":["viewer"]},' +
        '"config_items":[],"stdout":"","stderr":"","errors":["RBAC Failure: Access denied for user viewer1. ' +
        'RBAC check failed for execute."],"warnings":[]}',
    );
  });

  it('orders keys whatever the input order and drops unknown properties', () => {
    const reversed = <T extends object>(value: T): T =>
      Object.fromEntries(Object.entries(value).reverse()) as T;
    const shuffled = {
      extra: 'dropped',
      ...reversed(denial),
      breadcrumb: { secret: 'x', ...reversed(denial.breadcrumb) },
      config_items: [{ from: 'environment', value: 'v', name: 'N', other: 1 }],
    } as unknown as HistoryRecord;
    expect(Object.keys(shuffled)[1]).toBe('warnings');
    const parsed = JSON.parse(serializeHistoryRecord(shuffled)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(Object.keys(denial));
    expect(Object.keys(parsed['breadcrumb'] as object)).toEqual(Object.keys(denial.breadcrumb));
    expect(parsed['config_items']).toEqual([{ name: 'N', value: 'v', from: 'environment' }]);
  });

  it('escapes non-ASCII like Python json.dumps unless told not to, and escapes newlines always', () => {
    // Expected text produced by Python: json.dumps({...}, separators=(',', ':')).
    const record = { ...denial, stdout: 'é ✓ 😀\nok\u007f\u001b\u2028' };
    const ascii = serializeHistoryRecord(record);
    expect(ascii).toContain('"stdout":"\\u00e9 \\u2713 \\ud83d\\ude00\\nok\\u007f\\u001b\\u2028"');
    expect([...ascii].every((char) => char.charCodeAt(0) < 0x7f)).toBe(true);
    expect((JSON.parse(ascii) as HistoryRecord).stdout).toBe(record.stdout);
    expect(serializeHistoryRecord(record, false)).toContain(
      '"stdout":"é ✓ 😀\\nok\u007f\\u001b\u2028"',
    );
  });
});

describe('JsonlAuditLog', () => {
  it('appends one line per record to a file in a new folder, and to a stream', async () => {
    const path = join(dir, 'logs', 'history.jsonl');
    const lines: string[] = [];
    const log = new JsonlAuditLog({
      path,
      stream: { write: (chunk: string) => lines.push(chunk) },
      mode: 0o600,
    });
    expect(log.path).toBe(path);
    await log.append(denial);
    await log.append({ ...denial, return_code: 0 });
    await log.close();
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(
      `${serializeHistoryRecord(denial)}\n${serializeHistoryRecord({ ...denial, return_code: 0 })}\n`,
    );
    expect(lines.join('')).toBe(text);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('appends to an existing file and writes to a stream alone', async () => {
    const path = join(dir, 'history.jsonl');
    const first = new JsonlAuditLog({ path });
    await first.append(denial);
    await first.close();
    const second = new JsonlAuditLog({ path });
    await second.append(denial);
    await second.close();
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3);

    const lines: string[] = [];
    const streamOnly = new JsonlAuditLog({
      stream: { write: (chunk: string) => lines.push(chunk) },
    });
    expect(streamOnly.path).toBeNull();
    await streamOnly.append(denial);
    await streamOnly.close();
    expect(lines).toEqual([`${serializeHistoryRecord(denial)}\n`]);
  });

  it('keeps concurrent appends whole and in call order', async () => {
    const path = join(dir, 'history.jsonl');
    const log = new JsonlAuditLog({ path });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => log.append(auditRecord(`r${i}-`, 100_000))),
    );
    await log.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as HistoryRecord).breadcrumb.by_user)).toEqual(
      Array.from({ length: 40 }, (_, i) => `r${i}-`),
    );
  });

  it('never interleaves lines written by two processes', async () => {
    const path = join(dir, 'history.jsonl');
    const results = await Promise.all([runWorker([path, 'a', '30']), runWorker([path, 'b', '30'])]);
    expect(results).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(60);
    const users = lines.map((line) => {
      const record = JSON.parse(line) as HistoryRecord;
      expect(record).toEqual(auditRecord(record.breadcrumb.by_user));
      return record.breadcrumb.by_user;
    });
    expect(new Set(users).size).toBe(60);
  }, 60_000);

  it('reports a failed open to the caller, retries later, and refuses appends after close', async () => {
    const blocker = join(dir, 'not-a-folder');
    const log = new JsonlAuditLog({ path: join(blocker, 'history.jsonl') });
    writeFileSync(blocker, 'file in the way');
    await expect(log.append(denial)).rejects.toThrow();
    rmSync(blocker);
    await log.append(denial);
    await log.close();
    await log.close();
    expect(readFileSync(join(blocker, 'history.jsonl'), 'utf8')).toBe(
      `${serializeHistoryRecord(denial)}\n`,
    );
    let caught: unknown = null;
    await log.append(denial).catch((error: unknown) => (caught = error));
    expect(isHistoryError(caught, 'AUDIT_LOG_CLOSED')).toBe(true);
  });
});
