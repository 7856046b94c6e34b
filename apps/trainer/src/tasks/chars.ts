// `chars`: character-level language modelling on a text the user names (the trainer reads the file and passes its
// contents as the `text` option, so tasks stay free of node:fs).
//
// Characters are Unicode code points. Vocabulary: the sorted (by code point) unique characters of the whole text;
// id i is the i-th of them. Split: the first 90% of the characters (floor(9n/10)) train, the last 10% evaluate, so
// windows never cross the boundary. Each split must hold at least one window of seqLen + 1 characters, which needs
// n ≥ 10·seqLen + 1 characters in all.
// Training batches: windows at uniform random offsets of the train split; inputs window[0:T], targets window[1:T+1],
// every position counts. Evaluation: up to evalSize (512) evenly spaced windows of the eval split (no randomness).
import type { Generator } from '@lnlab/core';
import type { Task, TaskBatch } from './task';
import { EVAL_SIZE_OPTION, checkBatchSize, checkOptions, intOption, showValue, stringOption, toBatch } from './options';
import type { IntOptionSpec, OptionSpec, StringOptionSpec, TaskOptions } from './options';

export const TEXT_OPTION: StringOptionSpec = {
  name: 'text',
  type: 'string',
  required: true,
  description: 'the training text itself (the trainer reads the file you name and passes its contents)',
};

export const CHARS_SEQ_LEN_OPTION: IntOptionSpec = {
  name: 'seqLen',
  type: 'integer',
  default: 64,
  min: 1,
  max: 65536,
  description: 'context length T in characters',
};

export const CHARS_DESCRIPTION = 'character-level language modelling on a text file (90% train / 10% eval split)';
export const CHARS_OPTIONS: readonly OptionSpec[] = [TEXT_OPTION, CHARS_SEQ_LEN_OPTION, EVAL_SIZE_OPTION];

/** What `decode` shows for an id outside the vocabulary (including IGNORE). */
export const UNKNOWN_CHAR = '\uFFFD';

export interface CharsTask extends Task {
  /** The characters, id order. */
  readonly vocab: readonly string[];
  /** Characters in the train split (first 90%). */
  readonly trainLength: number;
  /** Characters in the eval split (last 10%). */
  readonly evalLength: number;
  /** Ids of a string made of vocabulary characters (throws on any other character). */
  encode(text: string): number[];
}

function byCodePoint(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

class CharsTaskImpl implements CharsTask {
  readonly name = 'chars';
  readonly description = CHARS_DESCRIPTION;
  readonly vocabSize: number;
  readonly seqLen: number;
  readonly vocab: readonly string[];
  readonly trainLength: number;
  readonly evalLength: number;
  private readonly ids: Int32Array;
  private readonly index: ReadonlyMap<string, number>;
  private readonly evalSize: number;
  private evalCache: TaskBatch | null = null;

  constructor(text: string, seqLen: number, evalSize: number) {
    const chars = Array.from(text);
    const n = chars.length;
    const trainLength = Math.floor((n * 9) / 10);
    const evalLength = n - trainLength;
    if (trainLength < seqLen + 1 || evalLength < seqLen + 1) {
      throw new Error(
        `task chars: text too short for seqLen ${seqLen}: its ${n} characters split into ${trainLength} for training ` +
          `(first 90%) and ${evalLength} for evaluation (last 10%), but each split needs at least seqLen + 1 = ` +
          `${seqLen + 1}; use a text of at least ${10 * seqLen + 1} characters or a smaller seqLen`,
      );
    }
    this.vocab = Object.freeze([...new Set(chars)].sort(byCodePoint));
    this.index = new Map(this.vocab.map((c, i) => [c, i]));
    this.vocabSize = this.vocab.length;
    this.seqLen = seqLen;
    this.trainLength = trainLength;
    this.evalLength = evalLength;
    this.evalSize = evalSize;
    this.ids = Int32Array.from(chars, (c) => this.index.get(c)!);
  }

  encode(text: string): number[] {
    return Array.from(text, (c) => {
      const id = this.index.get(c);
      if (id === undefined) throw new Error(`task chars: character ${showValue(c)} is not in the vocabulary`);
      return id;
    });
  }

  sampleBatch(batchSize: number, gen: Generator): TaskBatch {
    checkBatchSize(this.name, batchSize);
    const starts = new Array<number>(batchSize);
    // A window needs seqLen + 1 characters: starts 0 .. trainLength − seqLen − 1.
    for (let b = 0; b < batchSize; b++) starts[b] = gen.randint(0, this.trainLength - this.seqLen);
    return this.windows(starts);
  }

  /** Evenly spaced windows of the eval split (first and last possible included), cached: treat as read-only. */
  evalSet(): TaskBatch {
    if (this.evalCache) return this.evalCache;
    const positions = this.evalLength - this.seqLen; // number of distinct window starts in the eval split
    const count = Math.min(this.evalSize, positions);
    const starts = Array.from({ length: count }, (_, i) =>
      this.trainLength + (count === 1 ? 0 : Math.floor((i * (positions - 1)) / (count - 1))),
    );
    this.evalCache = this.windows(starts);
    return this.evalCache;
  }

  decode(tokens: readonly number[]): string {
    return tokens.map((t) => this.vocab[t] ?? UNKNOWN_CHAR).join('');
  }

  private windows(starts: readonly number[]): TaskBatch {
    const T = this.seqLen;
    const B = starts.length;
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const s = starts[b]!;
      inputs.set(this.ids.subarray(s, s + T), b * T);
      targets.set(this.ids.subarray(s + 1, s + T + 1), b * T);
    }
    return toBatch(inputs, targets, B, T);
  }
}

export function createCharsTask(options: TaskOptions = {}): CharsTask {
  const opts = checkOptions('chars', options, CHARS_OPTIONS);
  const text = stringOption('chars', opts, TEXT_OPTION)!;
  return new CharsTaskImpl(text, intOption('chars', opts, CHARS_SEQ_LEN_OPTION), intOption('chars', opts, EVAL_SIZE_OPTION));
}
