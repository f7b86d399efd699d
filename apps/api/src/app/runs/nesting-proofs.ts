import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { RUN_PORTS, type RunPorts } from './run-ports';

/** A run id (UUID) followed by the hex secret: `<run id>.<secret>`. */
const PROOF = /^([0-9a-f-]{36})\.([0-9a-f]{64})$/;

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Per-run secrets that prove a request comes from a running script (M3): only such a request may
 * run in its parent's slot (embedded) or the nested queue (distributed). The script gets the proof
 * in `RUNBOOK_H_CTYPE`; a client outside cannot know it. Only a hash is kept (expiring with the
 * run's deadline), where every instance can check it.
 */
@Injectable()
export class NestingProofs {
  constructor(@Inject(RUN_PORTS) private readonly ports: RunPorts) {}

  /** Makes the proof of a run that starts now; valid until {@link revoke} or `ttlMs`. */
  async issue(runId: string, ttlMs: number): Promise<string> {
    const secret = randomBytes(32).toString('hex');
    await this.ports.nestingHashes.set(runId, hashOf(secret), ttlMs);
    return `${runId}.${secret}`;
  }

  /** The parent run id a proof stands for, or null when it proves nothing. */
  async verify(proof: string | undefined): Promise<string | null> {
    const match = proof ? PROOF.exec(proof) : null;
    if (!match?.[1] || !match[2]) return null;
    const runId = match[1];
    const stored = await this.ports.nestingHashes.get(runId).catch(() => null);
    if (stored === null) return null;
    const given = Buffer.from(hashOf(match[2]), 'hex');
    const expected = Buffer.from(stored, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected) ? runId : null;
  }

  /** The run ended: its proof no longer works. */
  async revoke(runId: string): Promise<void> {
    await this.ports.nestingHashes.delete(runId);
  }
}
