// Prints, for every PyTorch fixture, the worst relative error of our float64 and float32 runs (and which
// comparison it was). Run: pnpm --filter @lnlab/nn fixture-errors
import { FIXTURE_CASES, runFixture } from '../src/testing/fixture-cases';

const rows: string[] = ['| fixture | float64 worst (tol) | float32 worst (tol) |', '|---|---|---|'];
for (const name of Object.keys(FIXTURE_CASES)) {
  const cells = (['float64', 'float32'] as const).map((dtype) => {
    const rs = runFixture(name, dtype);
    const worst = rs.reduce((a, b) => (b.error > a.error ? b : a));
    return `${worst.error.toExponential(2)} (${worst.tol.toExponential(0)}) \`${worst.key}\``;
  });
  rows.push(`| ${name} | ${cells.join(' | ')} |`);
}
console.log(rows.join('\n'));
