import { isControlEnvName } from './control-env';

describe('isControlEnvName', () => {
  it.each([
    'PATH',
    'path',
    'Home',
    'BASH_ENV',
    'ENV',
    'ZDOTDIR',
    'FPATH',
    'IFS',
    'PS4',
    'TMPPREFIX',
    'LD_PRELOAD',
    'ld_library_path',
    'DYLD_INSERT_LIBRARIES',
    'GIT_CONFIG_COUNT',
    'GIT_CONFIG_KEY_0',
    'NODE_OPTIONS',
    'PYTHONSTARTUP',
    'PERL5OPT',
    'RUBYOPT',
    'JAVA_TOOL_OPTIONS',
    'http_proxy',
    'HTTPS_PROXY',
    'no_proxy',
    'RUNBOOK_ANYTHING',
    'runbook_url',
    'GLIBC_TUNABLES',
  ])('treats %s as a control variable', (name) => {
    expect(isControlEnvName(name)).toBe(true);
  });

  it.each(['TEST_VAR', 'TARGET_ENV', 'DB_HOST', 'PATHNAME', 'MY_PATH', 'HOMEPAGE', 'PROXY_HOST'])(
    'lets %s through',
    (name) => {
      expect(isControlEnvName(name)).toBe(false);
    },
  );

  it('lets an operator allow an exact name, and only that spelling', () => {
    expect(isControlEnvName('KUBECONFIG', ['KUBECONFIG'])).toBe(false);
    expect(isControlEnvName('kubeconfig', ['KUBECONFIG'])).toBe(true);
    expect(isControlEnvName('LD_PRELOAD', ['KUBECONFIG'])).toBe(true);
  });
});
