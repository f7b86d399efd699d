import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyEntry } from '../../test/append-worker';
import { isHistoryError } from './history-error';
import { MarkdownHistory } from './markdown-history';

const TS_REGISTER = join(__dirname, '../../test/ts-register.cjs');
const APPEND_WORKER = join(__dirname, '../../test/append-worker.ts');
const RUNBOOK = '# Deploy\nDeploys.\n\n# Script\n```sh\necho hi\n```\n\n# History\n';

let dir: string;
let file: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbooks-history-md-'));
  file = join(dir, 'deploy.md');
  writeFileSync(file, RUNBOOK);
});

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ['-r', TS_REGISTER, APPEND_WORKER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    },
  );
  return { child, done };
}

/** Pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid ?? 999_999;
}

function writeLock(owner: { pid: number; hostname?: string }): void {
  writeFileSync(
    `${file}.lock`,
    JSON.stringify({
      pid: owner.pid,
      hostname: owner.hostname ?? hostname(),
      acquiredAt: new Date().toISOString(),
      token: 'old',
    }),
  );
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isHistoryError(caught) ? caught.code : caught).toBe(code);
}

describe('MarkdownHistory', () => {
  it('appends the entry verbatim and leaves no lock or temp file behind', async () => {
    const history = new MarkdownHistory();
    const entry = '\n### 2026-03-01T12:00:00.000Z | Exit Code: 0\n\n';
    await history.append(file, entry);
    await history.append(file, entry);
    expect(readFileSync(file, 'utf8')).toBe(RUNBOOK + entry + entry);
    expect(readdirSync(dir)).toEqual(['deploy.md']);
  });

  it('preserves the file mode and writes through a symlink to the real file', async () => {
    chmodSync(file, 0o640);
    const link = join(dir, 'link.md');
    symlinkSync(file, link);
    await new MarkdownHistory({ fsync: false }).append(link, 'x');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(file, 'utf8')).toBe(`${RUNBOOK}x`);
    expect(readFileSync(link, 'utf8')).toBe(`${RUNBOOK}x`);
  });

  it('serializes many concurrent appends in one process: every entry once, none torn', async () => {
    const history = new MarkdownHistory();
    const other = new MarkdownHistory();
    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (index % 2 ? history : other).append(file, historyEntry(`local-${index}`)),
      ),
    );
    const text = readFileSync(file, 'utf8');
    for (let index = 0; index < 30; index += 1) {
      expect(text.split(historyEntry(`local-${index}`))).toHaveLength(2);
    }
    const total = Array.from(
      { length: 30 },
      (_, index) => historyEntry(`local-${index}`).length,
    ).reduce((a, b) => a + b, 0);
    expect(text.length).toBe(RUNBOOK.length + total);
  });

  it('keeps 50 concurrent appends from 2 processes intact: each exactly once, never interleaved', async () => {
    const a = startWorker([file, 'A', '25']);
    const b = startWorker([file, 'B', '25']);
    const results = await Promise.all([a.done, b.done]);
    expect(results.map((result) => result.stderr)).toEqual(['', '']);
    expect(results.map((result) => result.code)).toEqual([0, 0]);

    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(RUNBOOK)).toBe(true);
    const tags = [
      ...Array.from({ length: 25 }, (_, i) => `A-${i}`),
      ...Array.from({ length: 25 }, (_, i) => `B-${i}`),
    ];
    for (const tag of tags) {
      // The whole entry, byte for byte, exactly once.
      expect(text.split(historyEntry(tag))).toHaveLength(2);
    }
    const headers = text.match(/^### 2026-03-01T12:00:00\.000Z \| Exit Code: 0$/gm) ?? [];
    expect(headers).toHaveLength(50);
    // Nothing but whole entries after the original content.
    const entryPattern =
      /\n### 2026-03-01T12:00:00\.000Z \| Exit Code: 0\n\n\*\*Stdout:\*\*\n```\nBEGIN ([AB]-\d+)\n(?:\1 )+\nEND \1\n```\n\n/g;
    expect(text.slice(RUNBOOK.length).replace(entryPattern, '')).toBe('');
    expect(readdirSync(dir)).toEqual(['deploy.md']);
  }, 60_000);

  it('breaks a stale lock left by a dead process and cuts off its half-written entry', async () => {
    const pid = await deadPid();
    writeLock({ pid });
    // The dead writer had journaled an append of 100 bytes and written 4 of them.
    writeFileSync(
      join(dir, '.deploy.md.append'),
      JSON.stringify({ size: Buffer.byteLength(RUNBOOK), length: 100 }),
    );
    writeFileSync(file, `${RUNBOOK}half`);
    await new MarkdownHistory({ timeoutMs: 5000 }).append(file, 'after-stale');
    expect(readFileSync(file, 'utf8')).toBe(`${RUNBOOK}after-stale`);
    expect(readdirSync(dir)).toEqual(['deploy.md']);
  });

  it('appends in place: the file keeps its inode and is never copied', async () => {
    writeFileSync(file, RUNBOOK + 'x'.repeat(4 * 1024 * 1024));
    const before = statSync(file);
    await new MarkdownHistory().append(file, 'tail');
    const after = statSync(file);
    expect(after.ino).toBe(before.ino);
    expect(after.size).toBe(before.size + 4);
  });

  it('writes what closeOpenBlocks returns before an entry, once per foreign change', async () => {
    const seen: string[] = [];
    const history = new MarkdownHistory({
      closeOpenBlocks: (text) => {
        seen.push(text);
        return text.endsWith('<!--\n') ? '-->\n' : '';
      },
    });
    writeFileSync(file, `${RUNBOOK}<!--\n`);
    await history.append(file, 'A\n');
    // Unchanged since our own append: not read again.
    await history.append(file, 'B\n');
    expect(readFileSync(file, 'utf8')).toBe(`${RUNBOOK}<!--\n-->\nA\nB\n`);
    expect(seen).toEqual([`${RUNBOOK}<!--\n`]);
  });

  it('waits for a live owner and times out with HISTORY_LOCK_TIMEOUT', async () => {
    writeLock({ pid: process.pid });
    const started = Date.now();
    await expectCode(
      new MarkdownHistory({ timeoutMs: 150, retryMinMs: 2, retryMaxMs: 20 }).append(file, 'never'),
      'HISTORY_LOCK_TIMEOUT',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(readFileSync(file, 'utf8')).toBe(RUNBOOK);
    // The foreign lock is left alone.
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({
      pid: process.pid,
      token: 'old',
    });
  });

  it('judges locks from another host or with unreadable content by age only', async () => {
    writeLock({ pid: 1, hostname: 'some-other-host' });
    await expectCode(
      new MarkdownHistory({ timeoutMs: 60, staleMs: 60_000 }).append(file, 'x'),
      'HISTORY_LOCK_TIMEOUT',
    );
    await new MarkdownHistory({ timeoutMs: 5000, staleMs: 0 }).append(file, 'foreign-broken');

    writeFileSync(`${file}.lock`, '');
    await expectCode(
      new MarkdownHistory({ timeoutMs: 60, staleMs: 60_000 }).append(file, 'x'),
      'HISTORY_LOCK_TIMEOUT',
    );
    await new MarkdownHistory({ timeoutMs: 5000, staleMs: 0 }).append(file, '|empty-broken');
    expect(readFileSync(file, 'utf8')).toBe(`${RUNBOOK}foreign-broken|empty-broken`);
  });

  it('clears a break marker left by a dead breaker', async () => {
    const pid = await deadPid();
    writeLock({ pid });
    writeFileSync(
      `${file}.lock.break`,
      JSON.stringify({ pid, hostname: hostname(), acquiredAt: '', token: 'x' }),
    );
    await new MarkdownHistory({ timeoutMs: 5000 }).append(file, 'ok');
    expect(readFileSync(file, 'utf8')).toBe(`${RUNBOOK}ok`);
    expect(readdirSync(dir)).toEqual(['deploy.md']);
  });

  it('gives closeOpenBlocks only the last closeCheckBytes of a large file, from a line start', async () => {
    const calls: { text: string; partial: boolean }[] = [];
    const history = new MarkdownHistory({
      closeCheckBytes: 100,
      closeOpenBlocks: (text, partial) => {
        calls.push({ text, partial });
        return '';
      },
    });
    writeFileSync(file, `${RUNBOOK}${'line\n'.repeat(100)}`);
    await history.append(file, 'A\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.partial).toBe(true);
    expect(calls[0]?.text).toBe('line\n'.repeat(19));
  });

  it('leaves the file before or after the entry when the writer is killed mid-append', async () => {
    const entryBytes = 96 * 1024 * 1024;
    const { child, done } = startWorker([file, 'crash', '1', String(entryBytes)]);
    // Kill as soon as the writer's journal exists (or whenever it has finished).
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (existsSync(join(dir, '.deploy.md.append'))) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    child.kill('SIGKILL');
    await done;
    // The next writer breaks the dead writer's lock and cuts off a half-written entry.
    await new MarkdownHistory({ timeoutMs: 5000 }).append(file, 'next');
    const text = readFileSync(file, 'utf8');
    const after = `${RUNBOOK}\n### HUGE crash\n${'h'.repeat(entryBytes)}\n`;
    expect(text === `${RUNBOOK}next` || text === `${after}next`).toBe(true);
    expect(readdirSync(dir)).toEqual(['deploy.md']);
  }, 60_000);

  it('rejects a missing file, a non-string entry and a folder, leaving nothing behind', async () => {
    const history = new MarkdownHistory();
    await expectCode(history.append(join(dir, 'missing.md'), 'x'), 'HISTORY_FILE_NOT_FOUND');
    await expectCode(history.append(file, 42 as unknown as string), 'INVALID_ENTRY');
    const folder = join(dir, 'folder.md');
    mkdirSync(folder);
    await expect(history.append(folder, 'x')).rejects.toThrow();
    rmSync(folder, { recursive: true });
    expect(readdirSync(dir)).toEqual(['deploy.md']);
    // A failed append does not block the next one.
    await history.append(file, 'still works');
    expect(readFileSync(file, 'utf8')).toBe(`${RUNBOOK}still works`);
  });
});
