import type { Caller } from '../app/auth/caller';
import { runbookText } from './runs-test-app';

/** A caller with a token whose claims are its sub and roles (what RBAC and approvers check). */
export function callerOf(userId: string, roles: string[]): Caller {
  return { userId, roles, token: `token-${userId}`, claims: { sub: userId, roles } };
}

/** A runbook with an Approval section (YAML lines as written) and an echo script. */
export function gatedRunbook(name: string, approvalYaml: string, extra = ''): string {
  return runbookText(
    name,
    `echo ran ${name}`,
    `${extra}# Approval\n\`\`\`yaml\n${approvalYaml}\n\`\`\`\n`,
  );
}
