import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig, variantLabel } from './config';
import { PRESETS, expandSweep, loadSweepSpec } from './presets';

function problems(input: unknown): string[] {
  try {
    parseRunConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

describe('run config', () => {
  it('fills PyTorch-like defaults', () => {
    const c = parseRunConfig({});
    expect(c).toMatchObject({ task: 'reverse', dModel: 64, nHead: 4, norm: 'layernorm', placement: 'pre', lnEps: 1e-5, lnVariance: 'biased', lnEpsPlacement: 'inside', optimizer: 'adam' });
    expect(variantLabel(c)).toBe('pre-layernorm');
    expect(variantLabel(parseRunConfig({ norm: 'none' }))).toBe('none');
    expect(variantLabel(parseRunConfig({ placement: 'post', lnVariance: 'unbiased', lnEpsPlacement: 'outside' }))).toBe('post-layernorm(unbiased,outside)');
  });

  it('rejects dModel not divisible by nHead, saying how to fix it', () => {
    expect(problems({ dModel: 66, nHead: 4 })).toEqual([
      'dModel (66) must be divisible by nHead (4): use --d-model 64 or 68 or an --n-head that divides 66',
    ]);
  });

  it('rejects warmup longer than the run and other impossible combinations', () => {
    expect(problems({ warmupSteps: 500, steps: 100 })[0]).toMatch(/warmupSteps \(500\) must be shorter than the run \(steps 100\): lower --warmup or raise --steps/);
    expect(problems({ norm: 'rmsnorm', lnVariance: 'unbiased' })[0]).toMatch(/apply to --norm layernorm, not rmsnorm/);
    expect(problems({ norm: 'none', placement: 'sandwich' })[0]).toMatch(/sandwich needs a norm/);
    expect(problems({ evalInterval: 50, steps: 10 }).join()).toMatch(/evalInterval \(50\) is longer than the run/);
  });

  it('rejects unknown settings and bad values with the field named', () => {
    expect(problems({ lerning_rate: 1 })[0]).toMatch(/unknown setting\(s\) "lerning_rate"/);
    expect(problems({ lr: -1 })[0]).toMatch(/^lr: /);
    expect(problems({ norm: 'groupnorm' })[0]).toMatch(/^norm: /);
    expect(problems({ layers: 2.5 })[0]).toMatch(/^layers: /);
  });
});

describe('sweeps', () => {
  it('the default study has the issue’s grid: 5 variants × (lr 1e-2 ± 100 warmup, 1e-3) × 2 seeds, ≥ 4 layers', () => {
    const spec = PRESETS['ln-placement']!;
    const runs = expandSweep(spec);
    expect(runs.length).toBe(5 * 3 * 2);
    expect(new Set(runs.map(variantLabel))).toEqual(new Set(['post-layernorm', 'pre-layernorm', 'pre-rmsnorm', 'pre-dyt', 'none']));
    expect(new Set(runs.map((r) => `${r.lr}/${r.warmupSteps}`))).toEqual(new Set(['0.01/0', '0.01/100', '0.001/0']));
    for (const r of runs) {
      expect(r).toMatchObject({ task: 'reverse', dModel: 64, nHead: 4, dimFeedforward: 256, optimizer: 'adam', beta1: 0.9, beta2: 0.98, adamEps: 1e-9, batchSize: 32, schedule: 'constant' });
      expect(r.layers).toBeGreaterThanOrEqual(4);
    }
  });

  it('overrides apply to every run; a bad override fails before anything runs', () => {
    expect(expandSweep(PRESETS.smoke!, { steps: 7, evalInterval: 7, logInterval: 7 }).every((r) => r.steps === 7)).toBe(true);
    expect(() => expandSweep(PRESETS.smoke!, { nHead: 3 })).toThrow(/dModel \(16\) must be divisible by nHead \(3\)/);
  });

  it('loads sweep files and rejects unknown presets and settings', () => {
    expect(() => loadSweepSpec('nope')).toThrow(/unknown sweep preset "nope" \(presets: ln-placement, ln-variants, smoke; or give a .json file\)/);
    expect(() => loadSweepSpec('/nonexistent/s.json')).toThrow(/sweep file \/nonexistent\/s.json: /);
  });
});
