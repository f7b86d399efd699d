import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ProcessGroup } from './process-group';

describe('ProcessGroup', () => {
  it('signals every member of a detached group and sees when none is left', async () => {
    const child = spawn('/bin/zsh', ['-fc', 'sleep 300 & sleep 300 & wait'], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error('spawn failed');
    const group = new ProcessGroup(pid);
    expect(group.hasLiveMembers()).toBe(true);
    expect(group.signal(0)).toBe(true);
    const exited = once(child, 'exit');
    expect(group.signal('SIGKILL')).toBe(true);
    await exited;
    for (let i = 0; i < 100 && group.hasLiveMembers(); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(group.hasLiveMembers()).toBe(false);
  });

  it('reports a group that does not exist', () => {
    const group = new ProcessGroup(2 ** 22 + 12345);
    expect(group.signal(0)).toBe(false);
    expect(group.hasLiveMembers()).toBe(false);
  });
});
