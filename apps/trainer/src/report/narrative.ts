// "What this shows": short paragraphs computed from the sweep's numbers. Every statement is conditional on the
// data (which settings solved the task, which diverged, whether warmup mattered, how the init gradient varies
// with depth); nothing here is a hard-coded conclusion.
import type { LoadedSweep } from './load';
import type { SettingSummary, SweepSummary, VariantInfo } from './summarize';
import { fmtLr, fmtNum, fmtPct, mean, settingLabel } from './summarize';

/** Last/first layer ratio of the init FFN gradient beyond which it counts as growing (or, inverted, shrinking). */
export const DEPTH_TREND_RATIO = 1.5;

function list(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function setting(s: SettingSummary): string {
  return settingLabel(s.lr, s.warmupSteps);
}

function solvedSentence(variant: string, ss: SettingSummary[]): string {
  const lost = ss.flatMap((s) => s.seeds).filter((x) => x.solved && x.diverged).length;
  const sentence = reachedSentence(variant, ss);
  return lost ? `${sentence.slice(0, -1)}, but ${lost} of those runs diverged later.` : sentence;
}

function reachedSentence(variant: string, ss: SettingSummary[]): string {
  const all = ss.filter((s) => s.solved === 'all');
  const some = ss.filter((s) => s.solved === 'some');
  const none = ss.filter((s) => s.solved === 'none');
  const withSteps = (s: SettingSummary): string => (s.medianStepsTo90 !== null ? `${setting(s)} (median ${fmtNum(s.medianStepsTo90)} steps to 90%)` : setting(s));
  if (!all.length && !some.length) {
    const best = ss
      .flatMap((s) => s.seeds.map((x) => ({ s, acc: x.bestEvalAccuracy })))
      .filter((x): x is { s: SettingSummary; acc: number } => typeof x.acc === 'number' && Number.isFinite(x.acc))
      .sort((a, b) => b.acc - a.acc)[0];
    return `${variant} never reached 90% eval accuracy${best ? ` (best ${fmtPct(best.acc)}, at ${setting(best.s)})` : ''}.`;
  }
  const parts: string[] = [];
  if (all.length === ss.length) {
    const fastest = [...all].filter((s) => s.medianStepsTo90 !== null).sort((a, b) => a.medianStepsTo90! - b.medianStepsTo90!);
    const f = fastest[0];
    const l = fastest[fastest.length - 1];
    let speed = '';
    if (f && l && f !== l) speed = `; fastest at ${setting(f)} (median ${fmtNum(f.medianStepsTo90)} steps to 90%), slowest at ${setting(l)} (${fmtNum(l.medianStepsTo90)})`;
    else if (f) speed = `; median ${fmtNum(f.medianStepsTo90)} steps to 90%`;
    return `${variant} solved the task in every seed at ${ss.length === 1 ? 'its only setting' : `all ${ss.length} of its settings`}${speed}.`;
  }
  if (all.length) parts.push(`in every seed at ${list(all.map(withSteps))}`);
  if (some.length) parts.push(`in only some seeds at ${list(some.map((s) => `${setting(s)} (${s.solvedCount}/${s.seeds.length})`))}`);
  if (none.length) parts.push(`in no seed at ${list(none.map(setting))}`);
  return `${variant} solved the task ${list(parts)}.`;
}

function overview(sweep: LoadedSweep, sum: SweepSummary): string {
  const seeds = new Set(sweep.runs.map((r) => r.summary.seed)).size;
  // The (lr, warmup) pairs actually run: a full grid reads "2 learning rates × 2 warmup settings", anything else
  // is listed pair by pair (the default study has lr 1e-2 with and without warmup, and lr 1e-3 without).
  const pairs = [...new Map(sum.settings.map((s) => [`${s.lr}|${s.warmupSteps}`, s] as const)).values()];
  const grid =
    pairs.length === sum.lrs.length * sum.warmups.length
      ? `${plural(sum.lrs.length, 'learning rate')} (${sum.lrs.map(fmtLr).join(', ')}) × ${plural(sum.warmups.length, 'warmup setting')} (${sum.warmups.join(', ')} steps)`
      : `${plural(pairs.length, 'optimisation setting')} (${pairs.map((p) => `lr ${fmtLr(p.lr)} with ${p.warmupSteps} warmup steps`).join('; ')})`;
  const sentences = [
    `This sweep has ${plural(sweep.runs.length, 'run')}: ${plural(sum.variants.length, 'variant')} × ${grid} × ${plural(seeds, 'seed')}. "Solved" means eval accuracy reached 90%.`,
  ];
  for (const v of sum.variants) sentences.push(solvedSentence(v.variant, sum.settings.filter((s) => s.variant === v.variant)));
  const fastest = sum.settings.filter((s) => s.solved === 'all' && s.medianStepsTo90 !== null).sort((a, b) => a.medianStepsTo90! - b.medianStepsTo90!)[0];
  if (fastest && sum.variants.length > 1) sentences.push(`Fastest overall: ${fastest.variant} at ${setting(fastest)}, a median of ${fmtNum(fastest.medianStepsTo90)} steps to 90%.`);
  const best = sum.settings.filter((s) => s.meanFinalEvalLoss !== null && s.finalEvalCount === s.seeds.length).sort((a, b) => a.meanFinalEvalLoss! - b.meanFinalEvalLoss!)[0];
  if (best && sum.settings.length > 1) sentences.push(`The lowest mean final eval loss is ${fmtNum(best.meanFinalEvalLoss)} (${best.variant}, ${setting(best)}).`);
  return sentences.join(' ');
}

function divergence(sweep: LoadedSweep, sum: SweepSummary): string {
  const diverged = sweep.runs.filter((r) => r.summary.diverged);
  const sentences: string[] = [];
  if (!diverged.length) sentences.push('No run diverged.');
  for (const v of sum.variants) {
    const runs = sweep.runs.filter((r) => r.summary.variant === v.variant);
    const d = runs.filter((r) => r.summary.diverged);
    if (!d.length) continue;
    const where = d.map((r) => {
      const s = r.summary;
      const at = s.divergedAt !== null ? ` at step ${s.divergedAt}` : '';
      const why = s.divergedReason ? ` (${s.divergedReason})` : '';
      return `${settingLabel(s.lr, s.warmupSteps)}, seed ${s.seed}${at}${why}`;
    });
    sentences.push(`${v.variant} diverged in ${d.length} of its ${plural(runs.length, 'run')}: ${where.join('; ')}.`);
  }
  if (diverged.length) {
    const clean = sum.variants.filter((v) => !diverged.some((r) => r.summary.variant === v.variant)).map((v) => v.variant);
    if (clean.length) sentences.push(`${list(clean)} never diverged.`);
  }
  const stopped = sweep.runs.filter((r) => !r.summary.diverged && r.summary.stepsRun < r.summary.steps);
  if (stopped.length) {
    sentences.push(
      `${plural(stopped.length, 'run')} stopped before the last step without diverging (${stopped.map((r) => `${r.id} at ${r.summary.stepsRun}/${r.summary.steps}`).join(', ')}): an early stop at the target accuracy, or an interrupted run.`,
    );
  }
  return sentences.join(' ');
}

type WarmupVerdict = 'needed' | 'not-needed' | 'failed-both' | 'mixed';

interface WarmupCase {
  variant: VariantInfo;
  lr: number;
  without: SettingSummary;
  /** The warmup setting with the most seeds solved (then the shortest warmup). */
  withW: SettingSummary;
  verdict: WarmupVerdict;
}

function warmupCases(sum: SweepSummary): WarmupCase[] {
  const out: WarmupCase[] = [];
  for (const v of sum.variants) {
    if (v.placement !== 'post' && v.placement !== 'pre') continue;
    for (const lr of sum.lrs) {
      const ss = sum.settings.filter((s) => s.variant === v.variant && s.lr === lr);
      const without = ss.find((s) => s.warmupSteps === 0);
      const withW = ss.filter((s) => s.warmupSteps > 0).sort((a, b) => b.solvedCount / b.seeds.length - a.solvedCount / a.seeds.length || a.warmupSteps - b.warmupSteps)[0];
      if (!without || !withW) continue;
      const f0 = without.solvedCount / without.seeds.length;
      const f1 = withW.solvedCount / withW.seeds.length;
      const verdict: WarmupVerdict = f0 === 1 ? 'not-needed' : f1 > f0 ? 'needed' : f0 === 0 && f1 === 0 ? 'failed-both' : 'mixed';
      out.push({ variant: v, lr, without, withW, verdict });
    }
  }
  return out;
}

function warmup(sum: SweepSummary): string {
  const hasPost = sum.variants.some((v) => v.placement === 'post');
  const hasPre = sum.variants.some((v) => v.placement === 'pre');
  if (!hasPost && !hasPre) return '';
  const cases = warmupCases(sum);
  const head = 'Warmup (Xiong et al. 2020 found that Post-LN needs a learning-rate warmup where Pre-LN does not):';
  if (!cases.length) return `${head} this sweep has no lr with runs both with and without warmup for a Post-LN or Pre-LN variant, so it cannot tell.`;
  const frac = (s: SettingSummary): string => `${s.solvedCount}/${s.seeds.length}`;
  const sentences: string[] = [];
  for (const lr of [...new Set(cases.map((c) => c.lr))].sort((a, b) => b - a)) {
    const clauses = cases
      .filter((c) => c.lr === lr)
      .map((c) => {
        const base = `${c.variant.variant} solved ${frac(c.without)} seeds without warmup and ${frac(c.withW)} with ${c.withW.warmupSteps} warmup steps`;
        const tail = {
          needed: ' — it needed warmup',
          'not-needed': ' — it did not need warmup',
          'failed-both': ' — it failed either way',
          mixed: '',
        }[c.verdict];
        return base + tail;
      });
    sentences.push(`At lr ${fmtLr(lr)}, ${clauses.join('; ')}.`);
  }
  // A verdict per placement, over all lrs; a Post-LN/Pre-LN pair with the same norm at the same lr is the fair test.
  const pairs = cases.filter(
    (c) => c.variant.placement === 'post' && c.verdict === 'needed' && cases.some((p) => p.variant.placement === 'pre' && p.variant.norm === c.variant.norm && p.lr === c.lr && p.verdict === 'not-needed'),
  );
  const postCases = cases.filter((c) => c.variant.placement === 'post');
  const preCases = cases.filter((c) => c.variant.placement === 'pre');
  if (pairs.length) {
    const p = pairs[0]!;
    sentences.push(`This reproduces Xiong et al. at lr ${list([...new Set(pairs.map((x) => fmtLr(x.lr)))])}: Post-LN (${p.variant.variant}) needed warmup where Pre-LN with the same norm trained without it.`);
  } else if (postCases.length && preCases.length) {
    const postNeeded = postCases.some((c) => c.verdict === 'needed');
    const preOk = preCases.some((c) => c.verdict === 'not-needed');
    sentences.push(
      `This does not reproduce Xiong et al.'s contrast here: Post-LN ${postNeeded ? 'needed warmup at some lr' : 'never clearly needed warmup'}, and Pre-LN ${preOk ? 'trained without warmup at some lr' : 'did not train reliably without warmup'}, with no lr where both held for the same norm.`,
    );
  } else {
    sentences.push(`The sweep lacks ${hasPost ? 'a Pre-LN' : 'a Post-LN'} variant with a warmup comparison, so the contrast cannot be checked.`);
  }
  return `${head} ${sentences.join(' ')}`;
}

interface DepthTrend {
  variant: VariantInfo;
  first: number;
  last: number;
  layers: number;
  ratio: number;
  trend: 'grows' | 'flat' | 'shrinks';
}

export function initDepthTrends(sweep: LoadedSweep, sum: SweepSummary): DepthTrend[] {
  const out: DepthTrend[] = [];
  for (const v of sum.variants) {
    const bySeed = new Map<number, number[]>();
    for (const r of sweep.runs) if (r.summary.variant === v.variant && r.summary.init.ffnOut.length >= 2 && !bySeed.has(r.summary.seed)) bySeed.set(r.summary.seed, r.summary.init.ffnOut);
    const vs = [...bySeed.values()];
    if (!vs.length) continue;
    const layers = Math.min(...vs.map((x) => x.length));
    const ok = (x: number): boolean => Number.isFinite(x) && x > 0;
    const first = mean(vs.map((x) => x[0]!).filter(ok));
    const last = mean(vs.map((x) => x[layers - 1]!).filter(ok));
    if (first === null || last === null) continue;
    const ratio = last / first;
    out.push({ variant: v, first, last, layers, ratio, trend: ratio >= DEPTH_TREND_RATIO ? 'grows' : ratio <= 1 / DEPTH_TREND_RATIO ? 'shrinks' : 'flat' });
  }
  return out;
}

function initGradient(sweep: LoadedSweep, sum: SweepSummary): string {
  const trends = initDepthTrends(sweep, sum);
  if (!trends.length) return '';
  const phrase = (t: DepthTrend): string => {
    const range = `from ${fmtNum(t.first, 3)} at layer 0 to ${fmtNum(t.last, 3)} at layer ${t.layers - 1}, ×${fmtNum(t.ratio, 3)}`;
    const verb = t.trend === 'grows' ? 'grows with depth' : t.trend === 'shrinks' ? 'shrinks with depth' : 'stays roughly flat';
    return `${verb} for ${t.variant.variant} (${range})`;
  };
  let text = `At initialization the gradient norm of the FFN output weights ${list(trends.map(phrase))}.`;
  const post = trends.filter((t) => t.variant.placement === 'post');
  const pre = trends.filter((t) => t.variant.placement === 'pre');
  if (post.length && pre.length) {
    const matches = post.every((t) => t.trend === 'grows') && pre.every((t) => t.trend === 'flat');
    const postGrowsMore = Math.max(...post.map((t) => t.ratio)) > Math.max(...pre.map((t) => t.ratio));
    text += matches
      ? ' This is the pattern of Xiong et al. (fig. 3): growing with the layer index for Post-LN, flat for Pre-LN.'
      : ` Xiong et al. (fig. 3) saw growth with depth for Post-LN and a flat profile for Pre-LN; here the picture differs${postGrowsMore ? ', though Post-LN still grows more than Pre-LN' : ''} (with few layers the trend is weak).`;
  }
  return text;
}

/** The paragraphs of "What this shows", as plain text. */
export function whatThisShows(sweep: LoadedSweep, sum: SweepSummary): string[] {
  if (!sweep.runs.length) return ['The sweep folder holds no runs yet.'];
  return [overview(sweep, sum), divergence(sweep, sum), warmup(sum), initGradient(sweep, sum)].filter((p) => p !== '');
}
