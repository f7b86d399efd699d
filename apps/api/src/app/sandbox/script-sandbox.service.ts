import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { canSwitchUsers, RunnerUidPool, sweepUid, type SandboxOptions } from '@runbooks/executor';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { StartupError } from '../lifecycle/startup-error';
import { MetricsService } from '../metrics/metrics.service';

/**
 * How scripts are isolated: `per-run-uid` (each run its own uid), `off` (the server's uid), or
 * `no-scripts` (an API-only process of the distributed mode, which never runs one).
 */
export type SandboxMode = 'per-run-uid' | 'off' | 'no-scripts';

/** The zsh that sweeps a uid at start (the executor resolves the same one for runs). */
const SWEEP_ZSH = ['/bin/zsh', '/usr/bin/zsh'];

/**
 * Decides at start whether scripts run sandboxed and owns the uids this server gives to runs.
 * When the process can switch users (root, or CHOWN/KILL/SETGID/SETUID) it claims its uids from
 * `RUNNER_UID_RANGE`, kills whatever a previous server left running under them, checks that run
 * uids can reach `EXECUTION_DIR` and closes the data dir to them; otherwise it says loudly that
 * scripts run as the server's user, and refuses that in production unless `ALLOW_UNSANDBOXED`.
 */
@Injectable()
export class ScriptSandbox implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Sandbox');
  private pool: RunnerUidPool | null = null;
  private runsScripts = true;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** `per-run-uid` when scripts get their own uid, else `off`. */
  get mode(): SandboxMode {
    if (!this.runsScripts) return 'no-scripts';
    return this.pool ? 'per-run-uid' : 'off';
  }

  /** What the executor needs to sandbox a run, or undefined when the sandbox is off. */
  get options(): SandboxOptions | undefined {
    return this.pool ? { uids: this.pool, limits: this.config.sandbox.limits } : undefined;
  }

  async onModuleInit(): Promise<void> {
    const role = this.config.distributed?.role ?? 'all';
    if (role === 'api') {
      this.runsScripts = false;
      return;
    }
    if (!canSwitchUsers()) {
      this.refuseOrWarnUnsandboxed();
      return;
    }
    this.checkExecutionDirReachable();
    this.pool = this.claimUids();
    this.closeDataDir();
    this.closeRunbooksDir();
    await this.sweepLeftovers(this.pool);
    this.metrics.sandboxEnabled.set(1);
    const { firstUid, lastUid } = this.config.sandbox;
    this.logger.log(
      `Scripts run sandboxed: each run under its own uid (${this.pool.uids.length} uids of ${firstUid}-${lastUid})`,
    );
  }

  onApplicationShutdown(): void {
    this.pool?.close();
  }

  private refuseOrWarnUnsandboxed(): void {
    this.metrics.sandboxEnabled.set(0);
    const why =
      'this process can neither switch users (not root) nor holds the CHOWN, KILL, SETGID and SETUID capabilities';
    if (this.config.production && !this.config.sandbox.allowUnsandboxed) {
      throw new StartupError(
        `Refusing to run scripts unsandboxed in production: ${why}. Run the server as root (in a container: with only those four capabilities), or set ALLOW_UNSANDBOXED=true to accept that scripts run as the server's user and can read its secrets.`,
      );
    }
    this.logger.warn(
      `SANDBOX OFF: scripts run as the server's own user and can read its environment (JWT_SECRET), the data dir and other runs: ${why}. See docs/security.md.`,
    );
  }

  /**
   * Every folder from `/` to EXECUTION_DIR must be traversable by other users, and EXECUTION_DIR
   * itself not writable by them unless sticky (else a run could tamper with another's dir).
   */
  private checkExecutionDirReachable(): void {
    const root = resolve(this.config.executionDir);
    const rootMode = statSync(root).mode;
    if ((rootMode & 0o002) !== 0 && (rootMode & 0o1000) === 0) {
      throw new StartupError(
        `EXECUTION_DIR ${root} is writable by every user: run uids could tamper with other runs' folders (chmod 0711 ${root})`,
      );
    }
    let folder = root;
    for (;;) {
      const mode = statSync(folder).mode;
      if ((mode & 0o001) === 0) {
        throw new StartupError(
          `Run uids cannot reach EXECUTION_DIR: ${folder} is not traversable by other users (chmod o+x ${folder}, or choose an EXECUTION_DIR whose every parent folder is)`,
        );
      }
      const parent = dirname(folder);
      if (parent === folder) return;
      folder = parent;
    }
  }

  private claimUids(): RunnerUidPool {
    const { firstUid, lastUid } = this.config.sandbox;
    const slots =
      this.config.maxConcurrentRuns + (this.config.distributed?.maxConcurrentNestedRuns ?? 0);
    // Sub-runbooks run in their parent's slot in the embedded mode, so a slot may hold a chain.
    const wanted = Math.min(lastUid - firstUid + 1, Math.max(32, slots * 4));
    const claimed = RunnerUidPool.claim({ first: firstUid, last: lastUid, count: wanted });
    if (!claimed.ok) throw new StartupError(`RUNNER_UID_RANGE: ${claimed.message}`);
    return claimed.pool;
  }

  /** The data dir holds the run store and audit log: owner-only, so no run uid can read them. */
  private closeDataDir(): void {
    const dir = this.config.dataDir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      chmodSync(dir, 0o700);
    } catch (error) {
      throw new StartupError(
        `Could not make RUNBOOK_DATA_DIR owner-only (run uids must not read it): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /**
   * The runbooks folder holds every runbook's History (other runs' output): owner-only when the
   * server owns it, so no script can read it (inputs are copied into run dirs by the server).
   * A folder the server may not change (read-only mount, another owner) stays as it is, with a
   * warning when others can read it.
   */
  private closeRunbooksDir(): void {
    const dir = this.config.runbooksDir;
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      return; // Missing or unreadable: readiness reports it.
    }
    if ((stat.mode & 0o077) === 0) return;
    if (stat.uid === process.getuid?.()) {
      try {
        chmodSync(dir, stat.mode & 0o700);
        return;
      } catch {
        // A read-only mount: warned about below.
      }
    }
    if ((stat.mode & 0o005) !== 0)
      this.logger.warn(
        `RUNBOOKS_DIR can be read by other users, so scripts can read every runbook's History: make it owner-only (chmod 0700) or mount it for the server alone`,
      );
  }

  /** A previous server on this host may have left processes under the uids we now own. */
  private async sweepLeftovers(pool: RunnerUidPool): Promise<void> {
    const zsh = SWEEP_ZSH.find((path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    });
    if (!zsh) return;
    await Promise.all(pool.uids.map((uid) => sweepUid(zsh, uid)));
  }
}
