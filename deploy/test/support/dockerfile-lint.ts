/** One instruction of a Dockerfile, continuation lines joined. */
export interface DockerInstruction {
  line: number;
  keyword: string;
  args: string;
  stage: number;
}

/** One finding of {@link lintDockerfile}, with a hadolint-style rule id where one exists. */
export interface DockerFinding {
  rule: string;
  line: number;
  message: string;
}

/** A stage of a multi-stage build. */
export interface DockerStage {
  index: number;
  name: string | null;
  image: string;
  instructions: DockerInstruction[];
}

const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
  'MAINTAINER',
]);

/** Splits a Dockerfile into instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  const lines = text.split('\n');
  let stage = -1;
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    if (/^\s*(#.*)?$/.test(first)) continue;
    const start = i;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, ' ');
      i++;
      const next = lines[i] ?? '';
      if (/^\s*#/.test(next)) {
        joined += ' \\'; // comment lines inside a continuation are skipped by Docker
        continue;
      }
      joined += next;
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(joined);
    if (!match?.[1]) continue;
    const keyword = match[1].toUpperCase();
    if (keyword === 'FROM') stage++;
    instructions.push({ line: start + 1, keyword, args: (match[2] ?? '').trim(), stage });
  }
  return instructions;
}

/** The stages of a Dockerfile (instructions before the first FROM belong to none). */
export function dockerStages(instructions: DockerInstruction[]): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const asIndex = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({
        index: stages.length,
        name: asIndex >= 0 ? (parts[asIndex + 1] ?? null) : null,
        image: parts[0] ?? '',
        instructions: [ins],
      });
    } else if (ins.stage >= 0) {
      stages[ins.stage]?.instructions.push(ins);
    }
  }
  return stages;
}

/** `ARG NAME=default` values declared before the first FROM. */
export function globalArgs(instructions: DockerInstruction[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const ins of instructions) {
    if (ins.stage >= 0) break;
    if (ins.keyword !== 'ARG') continue;
    const [name, value] = ins.args.split('=', 2);
    if (name) args.set(name.trim(), (value ?? '').replace(/^"|"$/g, ''));
  }
  return args;
}

/** `KEY=value` pairs of an ENV or LABEL instruction (quoted values allowed). */
export function keyValues(args: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const pattern = /([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const match of args.matchAll(pattern)) {
    if (match[1]) pairs.set(match[1], (match[2] ?? '').replace(/^"|"$/g, ''));
  }
  return pairs;
}

/** Resolves `${NAME}` in an image reference from global ARG defaults. */
export function resolveImage(image: string, args: Map<string, string>): string {
  return image.replace(
    /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
    (_, name: string) => args.get(name) ?? `\${${name}}`,
  );
}

const isJsonArray = (text: string) => {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
};

const SECRET_NAME = /(SECRET|PASSWORD|TOKEN|PRIVATE_KEY|API_KEY)/i;

/**
 * Lints a Dockerfile with rules modelled on hadolint's (ids kept where they match) plus this
 * project's own: pinned base images, non-root numeric final USER, exec-form CMD/ENTRYPOINT, apt
 * hygiene, pipefail, WORKDIR over `cd`, no ADD, no secrets baked into ENV/ARG, `curl -f`, and
 * COPY --from naming an earlier stage.
 */
export function lintDockerfile(text: string): DockerFinding[] {
  const findings: DockerFinding[] = [];
  const add = (rule: string, line: number, message: string) =>
    findings.push({ rule, line, message });
  const instructions = parseDockerfile(text);
  const stages = dockerStages(instructions);
  const args = globalArgs(instructions);
  if (stages.length === 0) add('DL3061', 1, 'no FROM instruction');

  for (const ins of instructions) {
    if (!KEYWORDS.has(ins.keyword)) add('DL0001', ins.line, `unknown instruction ${ins.keyword}`);
    if (ins.keyword === 'MAINTAINER')
      add('DL4000', ins.line, 'MAINTAINER is deprecated; use a LABEL');
    if (ins.keyword === 'ADD') add('DL3020', ins.line, 'use COPY instead of ADD');
    if ((ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') && !isJsonArray(ins.args))
      add(
        'DL3025',
        ins.line,
        `${ins.keyword} should use the JSON (exec) form so signals reach the process`,
      );
    if (ins.keyword === 'WORKDIR' && !ins.args.startsWith('/'))
      add('DL3000', ins.line, 'WORKDIR must be absolute');
    if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
      const names =
        ins.keyword === 'ENV' ? [...keyValues(ins.args).keys()] : [ins.args.split('=')[0] ?? ''];
      for (const name of names)
        if (SECRET_NAME.test(name))
          add('RB001', ins.line, `${name}: secrets must not be baked into images`);
    }
  }

  const stageNames = new Set<string>();
  for (const stage of stages) {
    const image = resolveImage(stage.image, args);
    if (!stageNames.has(stage.image)) {
      if (image.includes('${'))
        add('DL3006', stage.instructions[0]?.line ?? 0, `base image ${stage.image} has no default`);
      else if (!/:[^/]+$/.test(image) && !image.includes('@sha256:'))
        add('DL3006', stage.instructions[0]?.line ?? 0, `tag the base image ${image} explicitly`);
      else if (/:latest$/.test(image))
        add('DL3007', stage.instructions[0]?.line ?? 0, `do not use ${image}`);
    }
    let pipefail = false;
    for (const ins of stage.instructions) {
      if (ins.keyword === 'SHELL')
        pipefail = isJsonArray(ins.args) && ins.args.includes('pipefail');
      if (ins.keyword === 'COPY') {
        const from = /--from=(\S+)/.exec(ins.args)?.[1];
        if (
          from &&
          !stageNames.has(from) &&
          !/^\d+$/.test(from) &&
          !from.includes('/') &&
          !from.includes(':')
        )
          add('DL3022', ins.line, `COPY --from=${from} names no earlier stage`);
      }
      if (ins.keyword !== 'RUN') continue;
      const cmd = ins.args.replace(/^(--[a-z]+=\S+\s+)+/, '');
      if (/(^|[;&|]\s*)cd\s/.test(cmd)) add('DL3003', ins.line, 'use WORKDIR to change directory');
      if (/\|(?!\|)/.test(cmd.replace(/\|\|/g, '')) && !pipefail)
        add(
          'DL4006',
          ins.line,
          'set SHELL ["/bin/bash", "-o", "pipefail", "-c"] before a RUN with a pipe',
        );
      if (/apt-get\s+(-\S+\s+)*install/.test(cmd)) {
        if (!/--no-install-recommends/.test(cmd))
          add('DL3015', ins.line, 'apt-get install --no-install-recommends');
        if (!/\s-y\b|--yes|--assume-yes/.test(cmd)) add('DL3014', ins.line, 'apt-get install -y');
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(cmd))
          add('DL3009', ins.line, 'remove /var/lib/apt/lists in the same RUN');
      }
      if (/apt-get\s+upgrade|apt-get\s+dist-upgrade/.test(cmd))
        add('DL3005', ins.line, 'do not upgrade the base image in place');
      if (/\bapt\s+(install|update)/.test(cmd)) add('DL3027', ins.line, 'use apt-get, not apt');
      for (const call of cmd.match(/(?:^|&&|\|\||;|\||\$\()\s*curl\s+[^&|;)]*/g) ?? [])
        if (!/\s-[a-zA-Z]*f|--fail/.test(call))
          add('RB002', ins.line, `curl without --fail: ${call.trim()}`);
      if (/\bsudo\b/.test(cmd)) add('DL3004', ins.line, 'do not use sudo');
    }
    if (stage.name) stageNames.add(stage.name);
  }

  const last = stages[stages.length - 1];
  const user = last?.instructions.filter((i) => i.keyword === 'USER').pop();
  if (!user)
    add(
      'DL3002',
      last?.instructions[0]?.line ?? 0,
      'the final stage must switch to a non-root USER',
    );
  else if (/^(root|0)(:|$)/.test(user.args))
    add('DL3002', user.line, 'the final USER must not be root');
  else if (!/^\d+(:\d+)?$/.test(user.args))
    add('RB003', user.line, 'use a numeric USER so that Kubernetes runAsNonRoot can verify it');
  return findings;
}

/** The shell-form RUN commands of a Dockerfile, with the shell that runs them. */
export function runScripts(
  text: string,
): Array<{ line: number; shell: 'sh' | 'bash'; script: string }> {
  const scripts: Array<{ line: number; shell: 'sh' | 'bash'; script: string }> = [];
  let shell: 'sh' | 'bash' = 'sh';
  for (const ins of parseDockerfile(text)) {
    if (ins.keyword === 'FROM') shell = 'sh';
    if (ins.keyword === 'SHELL') shell = ins.args.includes('bash') ? 'bash' : 'sh';
    const script = ins.args.replace(/^(--[a-z]+=\S+\s+)+/, '');
    if (ins.keyword === 'RUN' && !isJsonArray(script))
      scripts.push({ line: ins.line, shell, script });
  }
  return scripts;
}
