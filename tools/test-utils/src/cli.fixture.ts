/**
 * A child process for cli.test.ts: prints, as one JSON line on stdout, what it was started with
 * (its arguments, DIFFFLOW_BACKEND, the working folder, where `@diffflow/backend` resolves to), a
 * line on stderr, and exits with the code given as its first argument. `--hang` keeps it alive.
 */
const [code = '0', ...rest] = process.argv.slice(2);
const seen = {
  args: rest,
  backend: process.env['DIFFFLOW_BACKEND'] ?? null,
  cwd: process.cwd(),
  resolved: import.meta.resolve('@diffflow/backend'),
};
console.log(JSON.stringify(seen));
console.error('fixture: to stderr');
if (rest.includes('--hang')) setTimeout(() => undefined, 60_000);
process.exitCode = Number(code);
