import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tensor } from '@lnlab/core';
import { parseRunConfig } from './config';
import type { RunConfigInput } from './config';
import { PRESETS, expandSweep } from './presets';
import { runSweep } from './sweep';
import { runTraining } from './train';
import { attentionEntropy, residualRms, tokenStats } from './telemetry';
import type { MetricsRow } from './schema';

const tiny: RunConfigInput = { dModel: 16, nHead: 2, dimFeedforward: 32, layers: 2, batchSize: 8, steps: 12, evalInterval: 4, logInterval: 4 };
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `lnlab-${name}-`));
const rows = (dir: string): MetricsRow[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricsRow);

const finite = z.number();
const metricsRowSchema = z.object({
  step: z.number().int().min(0),
  time: finite,
  loss: finite,
  accuracy: z.number().min(0).max(1),
  lr: finite,
  gradNorm: finite,
  evalLoss: finite.optional(),
  evalAccuracy: z.number().min(0).max(1).optional(),
  stepMs: finite,
  tokensPerSec: finite,
  nonFinite: z.object({ loss: z.number().int(), grads: z.number().int(), params: z.number().int() }),
  layers: z.array(
    z.object({
      index: z.number().int(),
      gradNorm: z.object({ attn: finite, ffn: finite, norm: finite }),
      residualRms: finite,
      attnEntropy: z.array(z.number().min(0).max(1.0000001)),
      attnMaxLogit: finite,
    }),
  ),
  norms: z.array(z.object({ name: z.string(), inMean: finite, inStd: finite, inMinTokenStd: finite, gammaNorm: finite.nullable(), alpha: finite.optional() })),
  updateRatio: z.record(z.string(), finite),
});

describe('telemetry helpers', () => {
  it('token statistics, residual RMS and normalized attention entropy', () => {
    const x = tensor([[1, 3], [2, 2]]);
    expect(tokenStats(x)).toEqual({ inMean: 2, inStd: 0.5, inMinTokenStd: 0 });
    expect(residualRms(x)).toBeCloseTo((Math.sqrt(5) + 2) / 2, 6);
    // Uniform attention over 4 keys → entropy 1; one-hot → 0. Query 0 sees one key only (skipped).
    const w = tensor([0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0], { shape: [1, 2, 1, 4] });
    const logits = tensor([0, 0, 0, 0, 5, -Infinity, -1, -2], { shape: [1, 2, 1, 4] });
    const { entropy, maxLogit } = attentionEntropy(w, logits);
    expect(entropy[0]).toBeCloseTo(1, 6);
    expect(entropy[1]).toBeCloseTo(0, 6);
    expect(maxLogit).toBe(5);
  });
});

describe('runTraining', () => {
  it('writes metrics rows that follow the documented schema, with per-layer and per-norm telemetry', () => {
    const dir = tmp('schema');
    const s = runTraining(parseRunConfig({ ...tiny, norm: 'dyt' }), { dir });
    const rs = rows(dir);
    const logged = rs.filter((r) => !('final' in r));
    expect(logged.map((r) => r.step)).toEqual([0, 4, 8]);
    for (const r of logged) {
      const parsed = metricsRowSchema.safeParse(r);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(r.layers.length).toBe(2);
      expect(r.layers[0]!.attnEntropy.length).toBe(2);
      expect(r.norms.map((n) => n.name)).toEqual(['encoder.layers.0.norm1', 'encoder.layers.0.norm2', 'encoder.layers.1.norm1', 'encoder.layers.1.norm2', 'ln_f']);
      expect(r.norms.every((n) => typeof n.alpha === 'number')).toBe(true);
      expect(Object.keys(r.updateRatio)).toContain('encoder.layers.1.linear2.weight');
    }
    expect(logged[0]!.evalAccuracy).toBeDefined();
    expect(s.init.ffnOut.length).toBe(2);
    expect(s.init.ffnOut.every((v) => v > 0)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ id: s.id, diverged: false, stepsRun: 12 });
  });

  it('stops cleanly and records a divergence when the loss explodes', () => {
    const dir = tmp('diverge');
    const s = runTraining(parseRunConfig({ ...tiny, norm: 'none', lr: 50, steps: 40, divergenceLoss: 20 }), { dir });
    expect(s.diverged).toBe(true);
    expect(s.divergedAt).toBeLessThan(40);
    expect(s.divergedReason).toMatch(/loss|NaN/);
    const last = rows(dir).at(-1)!;
    expect(last.step).toBe(s.divergedAt);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).diverged).toBe(true);
  });

  it('resumes from a checkpoint with exactly the uninterrupted loss trajectory', () => {
    const config = parseRunConfig({ ...tiny, steps: 16, logInterval: 1, evalInterval: 8, checkpointEvery: 5, dropout: 0.1 });
    const a = tmp('full');
    runTraining(config, { dir: a });
    const b = tmp('resumed');
    runTraining(config, { dir: b, stopAfter: 7 }); // checkpoint at step 5, then 2 more steps are lost
    expect(existsSync(join(b, 'checkpoint.safetensors'))).toBe(true);
    runTraining(config, { dir: b, resume: true });
    const la = rows(a).map((r) => [r.step, r.loss, r.gradNorm, r.evalAccuracy]);
    const lb = rows(b).map((r) => [r.step, r.loss, r.gradNorm, r.evalAccuracy]);
    expect(lb).toEqual(la);
    const sa = JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8'));
    const sb = JSON.parse(readFileSync(join(b, 'summary.json'), 'utf8'));
    expect(sb.finalEvalLoss).toBe(sa.finalEvalLoss);
  });

  it('the same config gives the same numbers (seeded end to end)', () => {
    const c = parseRunConfig(tiny);
    const a = runTraining(c, { dir: tmp('det-a') });
    const b = runTraining(c, { dir: tmp('det-b') });
    expect(b.finalLoss).toBe(a.finalLoss);
    expect(b.init).toEqual(a.init);
    expect(runTraining(parseRunConfig({ ...tiny, seed: 1 }), { dir: tmp('det-c') }).finalLoss).not.toBe(a.finalLoss);
  });
});

describe('sweeps', () => {
  it('carry on past a diverged run, and do not depend on the number of workers', async () => {
    const spec = { ...PRESETS.smoke!, seeds: [0] };
    const configs = [...expandSweep(spec, { steps: 8, evalInterval: 4, logInterval: 4 }), parseRunConfig({ ...tiny, norm: 'none', lr: 50, steps: 30, divergenceLoss: 20, seed: 5 })];
    const one = await runSweep(spec, configs, tmp('sweep1'), 0);
    const two = await runSweep(spec, configs, tmp('sweep2'), 2);
    expect(one.summaries.every((s) => s !== null)).toBe(true);
    expect(one.summaries.at(-1)!.diverged).toBe(true);
    const strip = (s: (typeof one.summaries)[number]) => ({ ...s!, wallTimeSec: 0 });
    expect(two.summaries.map(strip)).toEqual(one.summaries.map(strip));
    expect(JSON.parse(readFileSync(join(two.dir, 'sweep.json'), 'utf8')).runs.length).toBe(configs.length);
  }, 60_000);
});

