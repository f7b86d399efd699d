/**
 * Environment variables that control how shells, the dynamic loader, interpreters and common tools
 * start. Whoever sets one of them can make a script run code it never contained (`BASH_ENV`,
 * `LD_PRELOAD`, `GIT_CONFIG_*`, `PATH`, ...), so a request may never set them and a runbook may
 * not declare them (unless the operator allows a name explicitly). Compared in upper case.
 */
export const CONTROL_ENV_NAMES: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'SHELL',
  'USER',
  'LOGNAME',
  'ENV',
  'BASH_ENV',
  'ZDOTDIR',
  'FPATH',
  'MODULE_PATH',
  'CDPATH',
  'IFS',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'PROMPT_COMMAND',
  'SHELLOPTS',
  'BASHOPTS',
  'GLOBIGNORE',
  'HISTFILE',
  'TMPPREFIX',
  'TMPDIR',
  'PWD',
  'OLDPWD',
  'NODE_OPTIONS',
  'NODE_PATH',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'GCONV_PATH',
  'GLIBC_TUNABLES',
  'LOCPATH',
  'NLSPATH',
  'HOSTALIASES',
  'RESOLV_HOST_CONF',
  'OPENSSL_CONF',
  'OPENSSL_ENGINES',
  'SSH_ASKPASS',
  'SUDO_ASKPASS',
  'GIT_ASKPASS',
  'LESSOPEN',
  'LESSCLOSE',
  'PAGER',
  'MANPAGER',
  'EDITOR',
  'VISUAL',
  'BROWSER',
  'CURL_HOME',
  'WGETRC',
  'KUBECONFIG',
  'DOCKER_HOST',
]);

/** Name prefixes with the same power (`LD_PRELOAD`, `GIT_CONFIG_COUNT`, `PYTHONSTARTUP`, ...). */
export const CONTROL_ENV_PREFIXES: readonly string[] = Object.freeze([
  'LD_',
  'DYLD_',
  'GIT_',
  'PYTHON',
  'PERL5',
  'PERLLIB',
  'NPM_CONFIG_',
  'PIP_',
  'BASH_FUNC_',
  'MALLOC_',
  'RUNBOOK_',
]);

/** Name suffixes with the same power (proxies: `http_proxy`, `HTTPS_PROXY`, `no_proxy`, ...). */
export const CONTROL_ENV_SUFFIXES: readonly string[] = Object.freeze(['_PROXY']);

const controlNames = new Set(CONTROL_ENV_NAMES);

/**
 * True when `name` (in any letter case) controls how shells, the loader or tools start: such a
 * name can never come from a request, and a runbook may not declare it unless `allowed` lists it
 * (an operator's explicit choice, exact name).
 */
export function isControlEnvName(name: string, allowed: readonly string[] = []): boolean {
  if (allowed.includes(name)) return false;
  const upper = name.toUpperCase();
  return (
    controlNames.has(upper) ||
    CONTROL_ENV_PREFIXES.some((prefix) => upper.startsWith(prefix)) ||
    CONTROL_ENV_SUFFIXES.some((suffix) => upper.endsWith(suffix))
  );
}
