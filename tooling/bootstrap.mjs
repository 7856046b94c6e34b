#!/usr/bin/env node
// One entry point for a fresh machine: `npm start` (the main job) and `npm test` (the tests) both come here.
// It installs pnpm and the workspace when they are missing, then runs the job; for tests it sums the vitest
// JSON reports of every package and prints `N passed, N failed` last.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const PNPM = '12.21.0';
const root = new URL('..', import.meta.url).pathname;
process.env.TURBO_TELEMETRY_DISABLED = '1';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

function ensureInstalled() {
  let version = '';
  try {
    version = execSync('pnpm --version', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    /* not installed */
  }
  if (version !== PNPM) {
    console.log(`bootstrap: installing pnpm ${PNPM} (found ${version || 'none'})`);
    if (run('npm', ['install', '-g', `pnpm@${PNPM}`]) !== 0) throw new Error('bootstrap: could not install pnpm with npm');
  }
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker) || process.env.CI) {
    if (run('pnpm', ['install', '--frozen-lockfile']) !== 0) throw new Error('bootstrap: pnpm install failed');
  }
}

/** Workspace packages that have a `test` script. */
function testedPackages() {
  const out = [];
  for (const group of ['packages', 'apps', 'tooling']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pj = join(dir, name, 'package.json');
      if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).scripts?.test) out.push(join(dir, name));
    }
  }
  return out;
}

function test(extra) {
  const pkgs = testedPackages();
  for (const p of pkgs) rmSync(join(p, 'test-results.json'), { force: true });
  const status = run('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', ...extra]);
  let passed = 0;
  let failed = 0;
  for (const p of pkgs) {
    const file = join(p, 'test-results.json');
    if (!existsSync(file)) {
      console.log(`bootstrap: ${p} wrote no test report (counted as 1 failure)`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    // A file that fails to load has no failed tests but a failed suite: count it.
    failed += r.numFailedTests + (r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return status !== 0 || failed > 0 ? 1 : 0;
}

const [task = 'test', ...rest] = process.argv.slice(2);
ensureInstalled();
if (task === 'install') process.exit(0);
if (task === 'test') process.exit(test(rest));
if (task === 'start') process.exit(run('pnpm', ['run', 'main', ...rest]));
console.error(`bootstrap: unknown task "${task}" (use start, test or install)`);
process.exit(2);
