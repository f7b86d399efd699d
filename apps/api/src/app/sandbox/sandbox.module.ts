import { Module } from '@nestjs/common';

import { ScriptSandbox } from './script-sandbox.service';

/** Where and as whom scripts run (per-run uids), checked at start. */
@Module({ providers: [ScriptSandbox], exports: [ScriptSandbox] })
export class SandboxModule {}
