import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { execute } from './execute';
import type { ExecuteRequest, ExecutionEvent, ExecutionResult } from './execution';
import { MASK } from './secret-masker';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'executor-masking-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function run(
  request: ExecuteRequest,
): Promise<{ events: ExecutionEvent[]; result: ExecutionResult }> {
  const execution = execute(request, {
    executionDir: root,
    serverEnv: { PATH: '/usr/bin:/bin' },
  });
  const events: ExecutionEvent[] = [];
  for await (const event of execution.events) events.push(event);
  return { events, result: await execution.result };
}

function streamed(events: ExecutionEvent[], stream: 'stdout' | 'stderr'): string {
  return events.map((event) => (event.type === stream ? event.data : '')).join('');
}

const SECRET = 'S3cr3t-value/with+chars';

describe('execute: secret masking in the output path', () => {
  it('masks a secret printed plainly, in pieces, encoded and on stderr, in events and result', async () => {
    const { events, result } = await run({
      script: [
        'print -r -- "plain: $DB_PASSWORD"',
        // The value leaves the script in two writes with a pause between them.
        'printf "%s" "split: ${DB_PASSWORD[1,6]}"; sleep 0.2; printf "%s\\n" "${DB_PASSWORD[7,-1]}"',
        'print -rn -- "$DB_PASSWORD" | base64',
        'print -r -- "$DB_PASSWORD" | base64',
        'print -r -- "{\\"password\\":\\"$DB_PASSWORD\\"}"',
        'print -r -- "to stderr: $DB_PASSWORD" >&2',
        'print -r -- "$KEY"',
      ].join('\n'),
      declaredEnv: ['DB_PASSWORD', 'KEY'],
      envVars: { DB_PASSWORD: SECRET, KEY: 'first-line-of-key\nsecond-line-of-key' },
      secretValues: [SECRET, 'first-line-of-key\nsecond-line-of-key'],
    });
    expect(result.exitCode).toBe(0);
    const outputs = [
      streamed(events, 'stdout'),
      streamed(events, 'stderr'),
      result.stdout,
      result.stderr,
    ];
    const base64 = Buffer.from(SECRET).toString('base64');
    for (const output of outputs) {
      expect(output).not.toContain(SECRET);
      expect(output).not.toContain(SECRET.slice(6));
      expect(output).not.toContain(base64.slice(0, 20));
      expect(output).not.toContain('line-of-key');
    }
    expect(result.stdout).toContain(`plain: ${MASK}`);
    expect(result.stdout).toContain(`{"password":"${MASK}"}`);
    expect(result.stderr).toContain(`to stderr: ${MASK}`);
  });

  it('masks values at chunk boundaries of a large output', async () => {
    // About 1 MiB of output with the secret every 1000 bytes or so: pipe reads split it often.
    const { result } = await run({
      script: `pad=\${(l:977::x:)}; for i in {1..1100}; do print -rn -- "$pad$DB_PASSWORD"; done; print`,
      declaredEnv: ['DB_PASSWORD'],
      envVars: { DB_PASSWORD: SECRET },
      secretValues: [SECRET],
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain(SECRET.slice(0, 8));
    expect(result.stdout.split(MASK).length - 1).toBe(1100);
  }, 30_000);

  it('leaves output alone without secret values', async () => {
    const { result } = await run({ script: `print -r -- "${SECRET}"` });
    expect(result.stdout).toBe(`${SECRET}\n`);
  });
});
