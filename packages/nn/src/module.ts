// Module: parameters and buffers registered by assignment, child modules, dotted PyTorch names, state dicts,
// train/eval, forward hooks. Subclasses define `forward` as a method; hooks run around every call of it.
import { Tensor, cast, formatShape } from '@lnlab/core';
import type { DType, FloatDType } from '@lnlab/core';

/** A learnable tensor: assigning one to a module property registers it. */
export class Parameter extends Tensor {
  constructor(t: Tensor) {
    super(t.data, t.shape, true);
  }
}

/** A tensor that belongs to the module's state but is not learned (e.g. running statistics). */
export class Buffer extends Tensor {
  constructor(
    t: Tensor,
    /** Persistent buffers are saved in the state dict. */
    readonly persistent = true,
  ) {
    super(t.data, t.shape, false);
  }
}

export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;

export interface HookHandle {
  remove(): void;
}

export type StateDict = Map<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  private readonly forwardHooks = new Set<ForwardHook>();

  constructor() {
    // Wrap the subclass's forward so that hooks observe every call, without the model code doing anything.
    const raw = (this as unknown as { forward: (...args: unknown[]) => unknown }).forward;
    Object.defineProperty(this, 'forward', {
      value: (...args: unknown[]): unknown => {
        let out = raw.apply(this, args);
        for (const hook of this.forwardHooks) {
          const replaced = hook(this, args, out);
          if (replaced !== undefined) out = replaced;
        }
        return out;
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  abstract forward(...args: never[]): unknown;

  /** Calls `hook(module, inputs, output)` after every forward; a returned value replaces the output. */
  registerForwardHook(hook: ForwardHook): HookHandle {
    this.forwardHooks.add(hook);
    return { remove: () => void this.forwardHooks.delete(hook) };
  }

  /** Own parameters, buffers and children, in assignment order. */
  private own(): { params: [string, Parameter][]; buffers: [string, Buffer][]; children: [string, Module][] } {
    const params: [string, Parameter][] = [];
    const buffers: [string, Buffer][] = [];
    const children: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Parameter) params.push([k, v]);
      else if (v instanceof Buffer) buffers.push([k, v]);
      else if (v instanceof Module) children.push([k, v]);
    }
    return { params, buffers, children };
  }

  namedChildren(): [string, Module][] {
    return this.own().children;
  }

  /** This module and every descendant with dotted names ('' for this one), depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.own().children) out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with PyTorch's dotted names (`encoder.layers.0.self_attn.in_proj_weight`). */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, p] of m.own().params) {
        if (seen.has(p)) continue; // shared (tied) parameters are listed once, as in PyTorch
        seen.add(p);
        out.push([prefix ? `${prefix}.${k}` : k, p]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, b] of m.own().buffers) out.push([prefix ? `${prefix}.${k}` : k, b]);
    }
    return out;
  }

  /** Parameters and persistent buffers by dotted name (shares storage with the module). */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    const visit = (m: Module, prefix: string): void => {
      const { params, buffers, children } = m.own();
      for (const [k, p] of params) sd.set(prefix + k, p);
      for (const [k, b] of buffers) if (b.persistent) sd.set(prefix + k, b);
      for (const [k, c] of children) visit(c, `${prefix}${k}.`);
    };
    visit(this, '');
    return sd;
  }

  /**
   * Copies values into the module's own tensors (references stay valid; dtypes convert). Mis-shaped keys
   * always throw; with `strict` (default) missing or unexpected keys throw too, each listed by name.
   */
  loadStateDict(sd: StateDict | Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const incoming = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !incoming.has(k));
    const unexpectedKeys = [...incoming.keys()].filter((k) => !own.has(k));
    const misShaped: string[] = [];
    for (const [k, t] of own) {
      const src = incoming.get(k);
      if (src && (src.ndim !== t.ndim || src.shape.some((d, i) => d !== t.shape[i]))) {
        misShaped.push(`${k}: expected ${formatShape(t.shape)}, got ${formatShape(src.shape)}`);
      }
    }
    const problems: string[] = [];
    if (misShaped.length) problems.push(`mis-shaped keys: ${misShaped.join('; ')}`);
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (problems.length) throw new Error(`loadStateDict(${this.constructor.name}): ${problems.join(' | ')}`);
    for (const [k, t] of own) {
      const src = incoming.get(k);
      if (src) t.data.set(src.dtype === t.dtype ? src.data : cast(src, t.dtype).data);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls fn on every module (children first, then this one, as PyTorch's `apply`). */
  apply(fn: (m: Module) => void): this {
    for (const [, c] of this.own().children) c.apply(fn);
    fn(this);
    return this;
  }

  /** Converts every parameter and buffer to `dtype` (replacing them: build optimizers afterwards). */
  to(dtype: FloatDType): this {
    for (const m of this.modules()) {
      const self = m as unknown as Record<string, unknown>;
      for (const [k, p] of m.own().params) if (p.dtype !== dtype) self[k] = new Parameter(cast(p.detach(), dtype));
      for (const [k, b] of m.own().buffers) {
        if (b.dtype !== dtype && b.dtype !== 'int32') self[k] = new Buffer(cast(b, dtype), b.persistent);
      }
    }
    return this;
  }

  /** The dtype of the first parameter (float32 when there is none). */
  get dtype(): DType {
    return this.parameters()[0]?.dtype ?? 'float32';
  }

  /** Total number of learnable values. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }
}

/** A list of modules named `0`, `1`, … (PyTorch's ModuleList), so keys read `layers.0.linear1.weight`. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly length: number;

  constructor(modules: M[]) {
    super();
    modules.forEach((m, i) => ((this as unknown as Record<string, M>)[String(i)] = m));
    this.length = modules.length;
  }

  at(i: number): M {
    const m = (this as unknown as Record<string, M>)[String(i)];
    if (!m) throw new Error(`ModuleList: index ${i} is out of range for ${this.length} modules`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    let i = 0;
    return { next: () => (i < this.length ? { value: this.at(i++), done: false } : { value: undefined, done: true }) };
  }

  forward(): never {
    throw new Error('ModuleList: has no forward; iterate over its modules');
  }
}
