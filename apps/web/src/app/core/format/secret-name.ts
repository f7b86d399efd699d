/** Word parts that mark a variable as secret (compared per `_`/camelCase part). */
const SECRET_PARTS = new Set([
  'SECRET',
  'SECRETS',
  'TOKEN',
  'TOKENS',
  'PASSWORD',
  'PASSWD',
  'PASS',
  'PWD',
  'PASSPHRASE',
  'KEY',
  'APIKEY',
  'CREDENTIAL',
  'CREDENTIALS',
  'CREDS',
  'PRIVATE',
  'AUTH',
  'PAT',
  'COOKIE',
  'SESSION',
  'SIGNATURE',
  'SALT',
  'DSN',
]);

/** Suffixes that mark a single-word name as secret (`GITHUBTOKEN`, `DBPASSWORD`). */
const SECRET_SUFFIXES = ['TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'APIKEY'];

/** Whether a variable name looks like it holds a secret, so its input should be masked. */
export function looksSecret(name: string): boolean {
  const parts = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((p) => p !== '');
  return parts.some(
    (part) => SECRET_PARTS.has(part) || SECRET_SUFFIXES.some((suffix) => part.endsWith(suffix)),
  );
}
