import { readFileSync } from 'node:fs';

import { sharedFile } from './shared-file';

/**
 * Start/end stamps that scripts append to one shared file (each line one small append, so lines
 * never interleave): the order in the file is the order things happened.
 */
export interface Stamps {
  path: string;
  /** Lines as `start <label>` / `end <label>`. */
  lines(): string[];
  /** Most runs with a stamp of `labels` open at the same time (1: they never overlapped). */
  maxOverlap(labels?: (label: string) => boolean): number;
}

/** A fresh stamps file. */
export function stampsFile(prefix: string): Stamps {
  const path = sharedFile(prefix, 'stamps.log');
  const lines = () => readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return {
    path,
    lines,
    maxOverlap(filter = () => true) {
      const open = new Set<string>();
      let most = 0;
      for (const line of lines()) {
        const [what, label = ''] = line.split(' ');
        if (!filter(label)) continue;
        if (what === 'start') open.add(label);
        else open.delete(label);
        most = Math.max(most, open.size);
      }
      return most;
    },
  };
}

/** A script that stamps `start $LABEL`, sleeps `seconds`, stamps `end $LABEL` into `$STAMPS`. */
export function stampingScript(seconds: number): string {
  return [
    'print -r -- "start $LABEL" >> "$STAMPS"',
    `sleep ${seconds}`,
    'print -r -- "end $LABEL" >> "$STAMPS"',
  ].join('\n');
}

/** Environment Requirements of a stamping runbook. */
export const STAMPING_ENV = { STAMPS: 'Shared stamps file', LABEL: 'Label of this run' };
