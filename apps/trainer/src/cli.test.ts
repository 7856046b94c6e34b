import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './cli';

function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  return { out: () => out.join('\n'), err: () => err.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('lnlab CLI', () => {
  it('rejects unknown flags with a suggestion', async () => {
    const io = capture();
    expect(await main(['train', '--learning-rate', '0.1'])).not.toBe(0);
    expect(io.err()).toMatch(/unknown option '--learning-rate'/);
  });

  it('rejects impossible configs with how to fix them, before training', async () => {
    const io = capture();
    expect(await main(['train', '--d-model', '66', '--n-head', '4'])).toBe(2);
    expect(io.err()).toMatch(/dModel \(66\) must be divisible by nHead \(4\): use --d-model 64 or 68/);
    expect(await main(['train', '--warmup', '200', '--steps', '100'])).toBe(2);
    expect(io.err()).toMatch(/warmupSteps \(200\) must be shorter than the run/);
    expect(await main(['train', '--lr', 'fast'])).not.toBe(0);
    expect(io.err()).toMatch(/--lr needs a number, got "fast"/);
    expect(await main(['train', '--norm', 'groupnorm'])).not.toBe(0);
    expect(io.err()).toMatch(/Allowed choices are layernorm, rmsnorm, dyt, batchnorm, none/);
    expect(await main(['train', '--task', 'nope'])).toBe(2);
    expect(io.err()).toMatch(/unknown task 'nope' \(known tasks: reverse, copy, sort, modadd, chars\)/);
  });

  it('lists tasks and prints help', async () => {
    const io = capture();
    expect(await main(['tasks'])).toBe(0);
    expect(io.out()).toMatch(/reverse/);
    expect(io.out()).toMatch(/modadd/);
    expect(await main(['train', '--help'])).toBe(0);
    expect(io.out()).toMatch(/--ln-eps-placement <where>/);
  });

  it('trains a tiny run and writes config.json, metrics.jsonl, summary.json', async () => {
    const io = capture();
    const out = mkdtempSync(join(tmpdir(), 'lnlab-cli-'));
    const code = await main(['train', '--d-model', '16', '--n-head', '2', '--dim-feedforward', '32', '--layers', '2', '--steps', '6', '--eval-interval', '3', '--log-interval', '3', '--batch-size', '4', '--out', out]);
    expect(code).toBe(0);
    const [dir] = readdirSync(out);
    expect(dir).toBe('pre-layernorm_lr0.001_w0_s0');
    const files = readdirSync(join(out, dir!)).sort();
    expect(files).toEqual(expect.arrayContaining(['config.json', 'metrics.jsonl', 'summary.json', 'init.json']));
    expect(JSON.parse(readFileSync(join(out, dir!, 'config.json'), 'utf8')).dModel).toBe(16);
    expect(io.out()).toMatch(/run folder: /);
  });
});
