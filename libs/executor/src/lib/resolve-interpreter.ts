import { execFile } from 'node:child_process';
import { findExecutable } from './find-executable';

/** How a script is started: the zsh binary and, when usable, the `setpriv` wrapper. */
export interface Interpreter {
  /** Absolute path of zsh. */
  zshPath: string;
  /** Absolute path of a `setpriv` that supports `--pdeathsig`, or `null`. */
  setprivPath: string | null;
}

const zshCache = new Map<string, string>();
const setprivCache = new Map<string, Promise<string | null>>();

/**
 * Finds zsh (`zshPath` if given, else `/bin/zsh`, else `zsh` on `searchPath`) and, when
 * `wantPdeathsig`, a working `setpriv --pdeathsig` (probed once per zsh and cached).
 * Returns `null` when zsh cannot be found.
 */
export async function resolveInterpreter(
  zshPath: string | undefined,
  searchPath: string,
  wantPdeathsig: boolean,
): Promise<Interpreter | null> {
  const key = `${zshPath ?? ''}\u0000${searchPath}`;
  let zsh = zshCache.get(key) ?? null;
  if (!zsh) {
    zsh = findExecutable(zshPath ? [zshPath] : ['/bin/zsh', 'zsh'], searchPath);
    if (!zsh) return null;
    zshCache.set(key, zsh);
  }
  if (!wantPdeathsig) return { zshPath: zsh, setprivPath: null };
  let probe = setprivCache.get(zsh);
  if (!probe) {
    probe = probeSetpriv(zsh, searchPath);
    setprivCache.set(zsh, probe);
  }
  return { zshPath: zsh, setprivPath: await probe };
}

/** Runs `setpriv --pdeathsig KILL <zsh> -fc :` once; the wrapper is used only if that succeeds. */
function probeSetpriv(zsh: string, searchPath: string): Promise<string | null> {
  const setpriv = findExecutable(['/usr/bin/setpriv', '/bin/setpriv', 'setpriv'], searchPath);
  if (!setpriv) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(
      setpriv,
      ['--pdeathsig', 'KILL', zsh, '-fc', ':'],
      { timeout: 10_000, env: {} },
      (error) => resolve(error ? null : setpriv),
    );
  });
}
