import { Sandbox } from './support/sandbox';

describe('runbook refusing to execute (local mode)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = new Sandbox();
  });
  afterEach(() => box.remove());

  it('a name not in the current folder says how to look elsewhere', async () => {
    const result = await box.run(['validate', 'SimpleRunbook'], { RUNBOOKS_DIR: '' });
    expect(result.code).toBe(66);
    expect(result.stderr).toBe(
      `error: Runbook not found: SimpleRunbook.md (looked in ${box.root}; pass --runbooks-dir DIR or set ` +
        'RUNBOOKS_DIR to look elsewhere)\n',
    );
  });
});
