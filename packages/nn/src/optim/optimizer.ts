// The Optimizer base class (parameter groups, per-parameter state as typed arrays, PyTorch-shaped state dicts)
// and the flattening of a state dict into tensors + JSON metadata, so a trainer can write it as safetensors.
import { Tensor, formatShape } from '@lnlab/core';
import type { FloatArray } from '@lnlab/core';

/** Hyperparameters every optimizer has. Hyperparameter values are JSON-able: numbers, booleans, number tuples. */
export interface BaseHyper {
  lr: number;
}

/** One parameter group: its parameters plus the hyperparameters they are updated with (write `lr` freely). */
export type ParamGroup<H extends BaseHyper> = H & { params: Tensor[] };

/** A parameter group as passed to a constructor: parameters plus overrides of the optimizer's defaults. */
export type ParamGroupInput<H extends BaseHyper> = Partial<H> & { params: Iterable<Tensor> | Tensor };

/** What optimizers accept: a list of parameters (one group) or a list of groups. */
export type ParamsInput<H extends BaseHyper> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/** A state entry: a buffer of the parameter's size and dtype, or a scalar counter (such as Adam's `step`). */
export type StateValue = Float32Array | Float64Array | number;
export type ParamState = Record<string, StateValue>;

/**
 * PyTorch's `optimizer.state_dict()` layout: `state` keyed by parameter index (counting through all groups
 * in order), `paramGroups` holding each group's hyperparameters and the indices of its parameters.
 * JSON-able except for the typed arrays (see `optimizerStateToTensors`).
 */
export interface OptimizerStateDict<H extends BaseHyper = BaseHyper> {
  state: Record<number, ParamState>;
  paramGroups: (H & { params: number[] })[];
}

/** The state keys a group's parameters carry once updated: buffers (parameter-sized) and integer counters. */
export interface StateSpec {
  arrays: readonly string[];
  scalars: readonly string[];
}

function isGroupInput(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && 'params' in x;
}

function cloneHyperValue(v: unknown): unknown {
  return Array.isArray(v) ? [...(v as unknown[])] : v;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** Throws unless `value` is a finite number in range; `where` names the optimizer and group. */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  range: { min?: number; max?: number; maxExclusive?: boolean; integer?: boolean } = {},
): void {
  const { min, max, maxExclusive = false, integer = false } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (min === undefined || value >= min) &&
    (max === undefined || (maxExclusive ? value < max : value <= max));
  if (!ok) {
    const kind = integer ? 'an integer' : 'a finite number';
    let must = kind;
    if (min !== undefined && max !== undefined) must = `${kind} in [${min}, ${max}${maxExclusive ? ')' : ']'}`;
    else if (min !== undefined) must = `${kind} ≥ ${min}`;
    else if (max !== undefined) must = `${kind} ${maxExclusive ? '<' : '≤'} ${max}`;
    throw new Error(`${where}: invalid ${name} ${show(value)} (must be ${must})`);
  }
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(where: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new Error(`${where}: invalid ${name} ${show(value)} (must be true or false)`);
}

/** Throws on option names outside `allowed` (catches `weight_decay` for `weightDecay` and other typos). */
export function checkKeys(where: string, obj: object, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new Error(`${where}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
  }
}

/** Copies the options that are set (not undefined) over the defaults. */
export function withDefaults<H extends BaseHyper>(defaults: H, options: Partial<H>): H {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(defaults)) out[k] = cloneHyperValue(v);
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = cloneHyperValue(v);
  return out as H;
}

/** A zero-filled buffer of the parameter's dtype and size. */
export function zerosFor(param: Tensor): FloatArray {
  return param.dtype === 'float64' ? new Float64Array(param.size) : new Float32Array(param.size);
}

/**
 * Base class of SGD, Adam and AdamW: holds the parameter groups and per-parameter state, implements
 * `zeroGrad`, `addParamGroup`, `stateDict` and `loadStateDict`. Subclasses implement `step` as plain loops
 * over the typed arrays (no graph is recorded), updating `param.data` in place.
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** The parameter groups; schedulers write `group.lr` between steps. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created at a parameter's first update (PyTorch's `optimizer.state`). */
  readonly state = new Map<Tensor, ParamState>();
  /** The hyperparameters a group gets unless it overrides them. */
  readonly defaults: Readonly<H>;
  /** Names the optimizer in error messages. */
  protected readonly opName: string;

  protected constructor(opName: string, params: ParamsInput<H>, defaults: H) {
    this.opName = opName;
    this.validateHyper(defaults, opName);
    this.defaults = defaults;
    const list: unknown[] = params instanceof Tensor ? [params] : [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error(`${opName}: got an empty parameter list`);
    const groups = list.filter(isGroupInput);
    if (groups.length === 0) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<H>);
    else if (groups.length === list.length) for (const g of groups) this.addParamGroup(g as ParamGroupInput<H>);
    else throw new Error(`${opName}: params must be all tensors or all parameter groups ({params, ...options}), not a mix`);
  }

  /** Updates every parameter that has a gradient (parameters whose `.grad` is null are skipped). */
  abstract step(): void;

  /** Checks a group's hyperparameters; `where` names the optimizer and group for the error message. */
  protected abstract validateHyper(hyper: H, where: string): void;

  /** The state keys a parameter of a group with these hyperparameters carries once it has been updated. */
  protected abstract stateSpec(hyper: H): StateSpec;

  /** Adds a group of parameters, with optional overrides of the defaults (PyTorch's `add_param_group`). */
  addParamGroup(input: ParamGroupInput<H>): void {
    const where = `${this.opName}: parameter group ${this.paramGroups.length}`;
    const { params: rawParams, ...overrides } = input;
    checkKeys(where, overrides, Object.keys(this.defaults));
    const params: unknown[] = rawParams instanceof Tensor ? [rawParams] : [...rawParams];
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${where}: params[${i}] is not a Tensor`);
      if (p.dtype === 'int32') throw new Error(`${where}: params[${i}] ${formatShape(p.shape)} is int32; only float tensors can be optimized`);
      if (!p.isLeaf) throw new Error(`${where}: params[${i}] ${formatShape(p.shape)} is not a leaf tensor (can't optimize a non-leaf tensor)`);
      if (seen.has(p)) throw new Error(`${where}: params[${i}] ${formatShape(p.shape)} appears more than once (in this or another group)`);
      seen.add(p);
    });
    const hyper = withDefaults(this.defaults, overrides as unknown as Partial<H>);
    this.validateHyper(hyper, where);
    this.paramGroups.push({ ...hyper, params: params as Tensor[] });
  }

  /** Sets every parameter's gradient to null (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** The gradient's storage, or null when the parameter has none; throws if its size does not match. */
  protected gradOf(param: Tensor, index: number): FloatArray | null {
    const grad = param.grad;
    if (grad === null) return null;
    if (grad.size !== param.size || grad.dtype === 'int32') {
      throw new Error(
        `${this.opName}.step: parameter ${index} ${formatShape(param.shape)} has a ${grad.dtype} gradient of shape ${formatShape(grad.shape)}`,
      );
    }
    return grad.data as FloatArray;
  }

  /** A snapshot (copied buffers) of the state and hyperparameters, keyed by parameter index as in PyTorch. */
  stateDict(): OptimizerStateDict<H> {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(hyper)) out[k] = cloneHyperValue(v);
      out.params = params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      });
      return out as unknown as H & { params: number[] };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = typeof v === 'number' ? v : v.slice();
      state[i] = copy;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state dict from `stateDict()` (or `optimizerStateFromTensors`): group hyperparameters are
   * taken from it (the parameters stay), state buffers are copied and cast to each parameter's dtype.
   * Everything is validated before anything changes; errors name the offending key.
   */
  loadStateDict(sd: OptimizerStateDict<H> | OptimizerStateDict<BaseHyper>): void {
    const where = `${this.opName}.loadStateDict`;
    const raw = sd as unknown as { state?: unknown; paramGroups?: unknown };
    if (typeof raw !== 'object' || raw === null || !Array.isArray(raw.paramGroups) || typeof raw.state !== 'object' || raw.state === null) {
      throw new Error(`${where}: expected an object {state, paramGroups}`);
    }
    const savedGroups = raw.paramGroups as unknown[];
    if (savedGroups.length !== this.paramGroups.length) {
      throw new Error(`${where}: the state dict has ${savedGroups.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    const byId = new Map<number, { param: Tensor; hyper: H }>();
    const newHypers: H[] = [];
    savedGroups.forEach((saved, gi) => {
      const key = `paramGroups.${gi}`;
      const group = this.paramGroups[gi]!;
      if (typeof saved !== 'object' || saved === null) throw new Error(`${where}: ${key} is not an object`);
      const { params: ids, ...hyperIn } = saved as Record<string, unknown>;
      if (!Array.isArray(ids)) throw new Error(`${where}: ${key}.params must be an array of parameter indices`);
      if (ids.length !== group.params.length) {
        throw new Error(`${where}: ${key} has ${ids.length} parameters but the optimizer's group ${gi} has ${group.params.length}`);
      }
      const hyper: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(this.defaults)) {
        const v = hyperIn[name];
        const sameKind = Array.isArray(def)
          ? Array.isArray(v) && v.length === (def as unknown[]).length && v.every((e) => typeof e === 'number')
          : typeof v === typeof def;
        if (v === undefined) throw new Error(`${where}: ${key} is missing '${name}'`);
        if (!sameKind) throw new Error(`${where}: ${key}.${name} is ${show(v)}, not a value like ${show(def)}`);
        hyper[name] = cloneHyperValue(v);
      }
      checkKeys(`${where}: ${key}`, hyperIn, Object.keys(this.defaults));
      this.validateHyper(hyper as H, `${where}: ${key}`);
      newHypers.push(hyper as H);
      ids.forEach((id: unknown, k) => {
        if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new Error(`${where}: ${key}.params[${k}] is ${show(id)}, not a parameter index`);
        if (byId.has(id)) throw new Error(`${where}: parameter index ${id} appears more than once in paramGroups`);
        byId.set(id, { param: group.params[k]!, hyper: hyper as H });
      });
    });

    const newState = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(raw.state as Record<string, unknown>)) {
      const id = Number(key);
      const target = Number.isInteger(id) && String(id) === key ? byId.get(id) : undefined;
      if (!target) throw new Error(`${where}: state ${key} refers to no parameter of paramGroups`);
      if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: state ${key} is not an object`);
      const { param, hyper } = target;
      const spec = this.stateSpec(hyper);
      const values = entry as Record<string, unknown>;
      const out: ParamState = {};
      for (const name of Object.keys(values)) {
        if (!spec.arrays.includes(name) && !spec.scalars.includes(name)) {
          const expected = [...spec.arrays, ...spec.scalars];
          throw new Error(`${where}: state ${key}.${name} is not a state key of this optimizer's group (expected ${expected.length ? expected.join(', ') : 'no state'})`);
        }
      }
      for (const name of spec.arrays) {
        const v = values[name];
        if (v === undefined) throw new Error(`${where}: state ${key} is missing ${name}`);
        if (!(v instanceof Float32Array || v instanceof Float64Array)) {
          throw new Error(`${where}: state ${key}.${name} must be a Float32Array or Float64Array (got ${show(v)})`);
        }
        if (v.length !== param.size) {
          throw new Error(`${where}: state ${key}.${name} has ${v.length} values but parameter ${key} has shape ${formatShape(param.shape)}`);
        }
        const buf = zerosFor(param);
        buf.set(v);
        out[name] = buf;
      }
      for (const name of spec.scalars) {
        const v = values[name];
        if (v === undefined) throw new Error(`${where}: state ${key} is missing ${name}`);
        checkNumber(where, `state ${key}.${name}`, v, { min: 0, integer: true });
        out[name] = v as number;
      }
      newState.set(param, out);
    }

    this.paramGroups.forEach((g, gi) => Object.assign(g, newHypers[gi]));
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }
}

/** An optimizer state dict as safetensors-ready tensors plus string metadata. */
export interface OptimizerTensors {
  /** `${prefix}state.<index>.<name>` → 1-d tensor of the buffer (dtype kept). */
  tensors: Map<string, Tensor>;
  /** `${prefix}optimizer` → JSON `{format, paramGroups, scalars}` (scalars: `{"<index>": {"step": 5}}`). */
  metadata: Record<string, string>;
}

const FORMAT = 'lnlab.optimizer/1';

/**
 * Flattens a state dict for safetensors: buffers become tensors named `state.3.exp_avg`, the hyperparameters
 * and scalar counters go to one JSON metadata entry. `prefix` lets the result share a file with model weights.
 */
export function optimizerStateToTensors(sd: OptimizerStateDict<BaseHyper>, options: { prefix?: string } = {}): OptimizerTensors {
  const prefix = options.prefix ?? '';
  const tensors = new Map<string, Tensor>();
  const scalars: Record<string, Record<string, number>> = {};
  for (const [index, entry] of Object.entries(sd.state)) {
    for (const [name, v] of Object.entries(entry)) {
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new Error(`optimizerStateToTensors: state ${index}.${name} is ${v}, which JSON cannot hold`);
        (scalars[index] ??= {})[name] = v;
      } else {
        tensors.set(`${prefix}state.${index}.${name}`, new Tensor(v, [v.length]));
      }
    }
  }
  const json = JSON.stringify({ format: FORMAT, paramGroups: sd.paramGroups, scalars });
  return { tensors, metadata: { [`${prefix}optimizer`]: json } };
}

/**
 * The inverse of `optimizerStateToTensors`: rebuilds the state dict (buffers share the tensors' storage;
 * `loadStateDict` copies them). Tensors outside `${prefix}state.` are ignored, so model weights may sit beside.
 */
export function optimizerStateFromTensors(
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  metadata: Record<string, string>,
  options: { prefix?: string } = {},
): OptimizerStateDict<BaseHyper> {
  const where = 'optimizerStateFromTensors';
  const prefix = options.prefix ?? '';
  const metaKey = `${prefix}optimizer`;
  const text = metadata[metaKey];
  if (text === undefined) throw new Error(`${where}: metadata has no '${metaKey}' entry`);
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: metadata '${metaKey}' is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const m = meta as { format?: unknown; paramGroups?: unknown; scalars?: unknown };
  if (typeof m !== 'object' || m === null || m.format !== FORMAT) {
    throw new Error(`${where}: metadata '${metaKey}' is not an optimizer state of format ${FORMAT}`);
  }
  if (!Array.isArray(m.paramGroups)) throw new Error(`${where}: metadata '${metaKey}' has no paramGroups array`);
  if (typeof m.scalars !== 'object' || m.scalars === null) throw new Error(`${where}: metadata '${metaKey}' has no scalars object`);

  const state: Record<string, ParamState> = {};
  for (const [index, entry] of Object.entries(m.scalars as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: scalars.${index} is not an object`);
    for (const [name, v] of Object.entries(entry as Record<string, unknown>)) {
      if (typeof v !== 'number') throw new Error(`${where}: scalars.${index}.${name} is not a number`);
      (state[index] ??= {})[name] = v;
    }
  }
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const pattern = /^state\.(0|[1-9]\d*)\.([A-Za-z_]\w*)$/;
  for (const [fullName, t] of entries) {
    if (!fullName.startsWith(`${prefix}state.`)) continue;
    const match = pattern.exec(fullName.slice(prefix.length));
    if (!match) throw new Error(`${where}: tensor '${fullName}' is not named ${prefix}state.<index>.<name>`);
    const [, index, name] = match as unknown as [string, string, string];
    if (t.dtype === 'int32') throw new Error(`${where}: tensor '${fullName}' is int32; optimizer buffers are float32 or float64`);
    const entry = (state[index] ??= {});
    if (name in entry) throw new Error(`${where}: state ${index}.${name} is both a tensor and a scalar`);
    entry[name] = t.data as FloatArray;
  }
  return { state, paramGroups: m.paramGroups as OptimizerStateDict<BaseHyper>['paramGroups'] };
}
