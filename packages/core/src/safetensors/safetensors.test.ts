import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  SAFETENSORS_ERROR_CODES,
  SafetensorsError,
  halfToFloat,
  parseSafetensors,
  rawTensor,
  serializeSafetensors,
} from './index';
import type { RawTensor, SafetensorsErrorCode } from './index';

// ---------------------------------------------------------------------------------------------
// Helpers

const fixture = (name: string): Uint8Array =>
  readFileSync(new URL(`../../../../../shared/fixtures/torch/${name}.safetensors`, import.meta.url));

/** Builds a file from a header (object or raw JSON text) and a data section. */
function buildFile(header: unknown, data: Uint8Array = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes from 16-bit words. */
function u16Bytes(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 2);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint16(2 * i, w, true));
  return out;
}

function i64Bytes(values: bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return out;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Asserts fn throws a SafetensorsError with the given code; when key is given, that it is named. */
function expectError(fn: () => unknown, code: SafetensorsErrorCode, key?: string): SafetensorsError {
  const err = catchError(fn);
  expect(err).toBeInstanceOf(SafetensorsError);
  const e = err as SafetensorsError;
  expect(e.code).toBe(code);
  expect(e.message.startsWith('safetensors: ')).toBe(true);
  if (key !== undefined) {
    expect(e.key).toBe(key);
    expect(e.message).toContain(JSON.stringify(key));
  }
  return e;
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

// A header entry; offsets relative to the data section.
const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

// ---------------------------------------------------------------------------------------------

describe('serializeSafetensors / parseSafetensors round trip', () => {
  it('round-trips every dtype with metadata', () => {
    const tensors = new Map<string, RawTensor>([
      ['f32', rawTensor('float32', [2, 3], [1.5, -2, 0, 3.25, -0, Infinity])],
      ['f64', rawTensor('float64', [3], [Math.PI, -1e-300, Number.MAX_VALUE])],
      ['i32', rawTensor('int32', [2, 2], [2147483647, -2147483648, 0, -100])],
    ]);
    const metadata = { config: '{"op":"x"}', note: 'héllo ✓' };
    const parsed = parseSafetensors(serializeSafetensors(tensors, metadata));
    expect([...parsed.tensors.keys()].sort()).toEqual(['f32', 'f64', 'i32']);
    for (const [name, t] of tensors) {
      const got = parsed.tensors.get(name);
      expect(got?.dtype).toBe(t.dtype);
      expect(got?.shape).toEqual(t.shape);
      expect(got?.data.constructor).toBe(t.data.constructor);
      expect(Array.from(got?.data ?? [])).toEqual(Array.from(t.data));
    }
    expect(Object.is(parsed.tensors.get('f32')?.data[4], -0)).toBe(true);
    expect({ ...parsed.metadata }).toEqual(metadata);
  });

  it('round-trips NaN bit patterns exactly', () => {
    const data = new Float32Array(2);
    new Uint32Array(data.buffer).set([0x7fc00001, 0xffc00000]);
    const got = parseSafetensors(serializeSafetensors({ n: rawTensor('float32', [2], data) })).tensors.get('n');
    expect(Array.from(new Uint32Array((got?.data as Float32Array).buffer))).toEqual([0x7fc00001, 0xffc00000]);
  });

  it('round-trips an empty tensor (shape [0]) and a scalar (shape [])', () => {
    const bytes = serializeSafetensors({
      empty: rawTensor('float64', [0], []),
      empty2: rawTensor('int32', [3, 0, 5], []),
      scalar: rawTensor('float32', [], [7.5]),
    });
    const parsed = parseSafetensors(bytes);
    expect(parsed.tensors.get('empty')).toEqual({ dtype: 'float64', shape: [0], data: new Float64Array(0) });
    expect(parsed.tensors.get('empty2')).toEqual({ dtype: 'int32', shape: [3, 0, 5], data: new Int32Array(0) });
    expect(parsed.tensors.get('scalar')).toEqual({ dtype: 'float32', shape: [], data: new Float32Array([7.5]) });
    expect({ ...parsed.metadata }).toEqual({});
  });

  it('round-trips an empty file', () => {
    const parsed = parseSafetensors(serializeSafetensors(new Map()));
    expect(parsed.tensors.size).toBe(0);
  });

  it('writes sorted keys, contiguous data and an 8-byte aligned data section', () => {
    const a = serializeSafetensors(
      { b: rawTensor('float32', [1], [2]), a: rawTensor('float32', [3], [1, 1, 1]) },
      { z: '1', m: '2' },
    );
    const b = serializeSafetensors(
      new Map([
        ['a', rawTensor('float32', [3], [1, 1, 1])],
        ['b', rawTensor('float32', [1], [2])],
      ]),
      { m: '2', z: '1' },
    );
    expect(a).toEqual(b); // deterministic regardless of insertion order

    const n = Number(new DataView(a.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = new TextDecoder().decode(a.subarray(8, 8 + n));
    expect(header.trimEnd()).toBe(
      '{"__metadata__":{"m":"2","z":"1"},' +
        '"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},' +
        '"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}',
    );
    expect(/^ *$/.test(header.slice(header.trimEnd().length))).toBe(true);
    expect(a.length).toBe(8 + n + 16);
  });

  it('reads unaligned data offsets and inputs that are unaligned views', () => {
    const data = new Uint8Array(4 + 16);
    const view = new DataView(data.buffer);
    view.setFloat64(4, 1.25, true);
    view.setFloat64(12, -3.5, true);
    const file = buildFile({ x: entry('F64', [2], [4, 20]) }, data);
    // Put the file at an odd offset inside a larger buffer.
    const host = new Uint8Array(file.length + 3);
    host.set(file, 3);
    const parsed = parseSafetensors(host.subarray(3));
    expect(Array.from(parsed.tensors.get('x')?.data ?? [])).toEqual([1.25, -3.5]);
  });

  it('copies data out of the input buffer', () => {
    const bytes = serializeSafetensors({ x: rawTensor('float32', [2], [1, 2]) });
    const t = parseSafetensors(bytes).tensors.get('x');
    expect(t?.data.buffer).not.toBe(bytes.buffer);
    bytes.fill(0, bytes.length - 8);
    expect(Array.from(t?.data ?? [])).toEqual([1, 2]);
  });

  it('accepts space padding, gaps and trailing bytes between tensors', () => {
    const data = new Uint8Array(16);
    new DataView(data.buffer).setInt32(8, -7, true);
    const file = buildFile(`${JSON.stringify({ t: entry('I32', [1], [8, 12]) })}     `, data);
    expect(Array.from(parseSafetensors(file).tensors.get('t')?.data ?? [])).toEqual([-7]);
  });

  it('handles "__proto__" names without prototype pollution', () => {
    const header = '{"__metadata__":{"__proto__":"m"},"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}';
    const parsed = parseSafetensors(buildFile(header, new Uint8Array([5, 0, 0, 0])));
    expect(Array.from(parsed.tensors.get('__proto__')?.data ?? [])).toEqual([5]);
    expect(Object.getOwnPropertyDescriptor(parsed.metadata, '__proto__')?.value).toBe('m');
    expect(({} as Record<string, unknown>)['dtype']).toBeUndefined();

    // And the writer keeps such names.
    const tensors = new Map([['__proto__', rawTensor('int32', [1], [9])]]);
    const again = parseSafetensors(serializeSafetensors(tensors));
    expect(Array.from(again.tensors.get('__proto__')?.data ?? [])).toEqual([9]);
  });
});

describe('PyTorch fixtures', () => {
  it('reads layernorm_basic.safetensors', () => {
    const bytes = fixture('layernorm_basic');
    const { tensors, metadata } = parseSafetensors(bytes);
    expect([...tensors.keys()].sort()).toEqual([
      'grad.in.x',
      'grad.param.bias',
      'grad.param.weight',
      'in.x',
      'out.y',
      'param.bias',
      'param.weight',
      'upstream',
    ]);
    const x = tensors.get('in.x');
    expect(x?.dtype).toBe('float64');
    expect(x?.shape).toEqual([4, 5, 16]);
    expect(x?.data).toBeInstanceOf(Float64Array);
    expect(x?.data.length).toBe(320);
    expect(tensors.get('param.weight')?.shape).toEqual([16]);
    expect(tensors.get('param.weight')?.data[0]).toBe(1.229575138417556);

    const config = JSON.parse(metadata['config'] ?? 'null') as Record<string, unknown>;
    expect(config['op']).toBe('layer_norm');
    expect(config['eps']).toBe(1e-5);
    expect(config['normalized_shape']).toEqual([16]);
    expect(metadata['generator']).toMatch(/^torch /);

    // Cross-check against an independent DataView read of the file.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      { data_offsets: [number, number] }
    >;
    const [begin] = header['out.y']?.data_offsets ?? [0];
    const y = tensors.get('out.y')?.data ?? [];
    for (let i = 0; i < y.length; i++) expect(y[i]).toBe(view.getFloat64(8 + n + begin + 8 * i, true));

    // Re-serializing and re-reading keeps every tensor and the metadata.
    const again = parseSafetensors(serializeSafetensors(tensors, metadata));
    expect(again.tensors).toEqual(tensors);
    expect({ ...again.metadata }).toEqual({ ...metadata });
  });

  it('reads I64 targets (including -100) from cross_entropy.safetensors', () => {
    const { tensors, metadata } = parseSafetensors(fixture('cross_entropy'));
    const target = tensors.get('in.target');
    expect(target?.dtype).toBe('int32');
    expect(target?.shape).toEqual([6]);
    expect(target?.data).toBeInstanceOf(Int32Array);
    expect(Array.from(target?.data ?? [])).toEqual([10, 5, -100, 6, 6, 9]);
    expect(tensors.get('in.logits')?.shape).toEqual([6, 11]);
    expect(tensors.get('out.loss')?.data[0]).toBeCloseTo(0.8638656707983351, 15);
    expect(JSON.parse(metadata['config'] ?? '{}')).toMatchObject({ ignore_index: -100, op: 'cross_entropy' });
  });
});

describe('half-precision conversion', () => {
  it('converts F16 values (normal, max, subnormal, zero, inf, nan)', () => {
    const words = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    const file = buildFile({ h: entry('F16', [words.length], [0, 2 * words.length]) }, u16Bytes(words));
    const t = parseSafetensors(file).tensors.get('h');
    expect(t?.dtype).toBe('float32');
    expect(t?.data).toBeInstanceOf(Float32Array);
    const d = Array.from(t?.data ?? []);
    expect(d.slice(0, 6)).toEqual([1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14]);
    expect(Object.is(d[6], -0)).toBe(true);
    expect(d.slice(7, 9)).toEqual([Infinity, -Infinity]);
    expect(Number.isNaN(d[9])).toBe(true);
  });

  it('halfToFloat agrees with float32 bit layout for every finite half', () => {
    // Each finite half widens exactly: the float32 bits follow from sign/exponent/fraction.
    const f = new Float32Array(1);
    const bits = new Uint32Array(f.buffer);
    for (let h = 0; h < 0x10000; h++) {
      const exp = (h >> 10) & 0x1f;
      if (exp === 0x1f || exp === 0) continue; // inf/nan and subnormals are covered above
      bits[0] = ((h & 0x8000) << 16) | ((exp - 15 + 127) << 23) | ((h & 0x3ff) << 13);
      expect(halfToFloat(h)).toBe(f[0]);
    }
  });

  it('converts BF16 values (normal, subnormal, inf, nan)', () => {
    const words = [0x3f80, 0xc020, 0x4780, 0x3380, 0x0001, 0x7f7f, 0x7f80, 0xff80, 0x7fc0];
    const file = buildFile({ b: entry('BF16', [words.length], [0, 2 * words.length]) }, u16Bytes(words));
    const t = parseSafetensors(file).tensors.get('b');
    expect(t?.dtype).toBe('float32');
    const d = Array.from(t?.data ?? []);
    expect(d.slice(0, 8)).toEqual([1, -2.5, 65536, 2 ** -24, 2 ** -133, 3.3895313892515355e38, Infinity, -Infinity]);
    expect(Number.isNaN(d[8])).toBe(true);
  });
});

describe('reader errors', () => {
  it('rejects non-Uint8Array input', () => {
    expectError(() => parseSafetensors('nope' as unknown as Uint8Array), 'INVALID_INPUT');
  });

  it('rejects files shorter than 8 bytes', () => {
    expectError(() => parseSafetensors(new Uint8Array(5)), 'HEADER_TOO_SHORT');
  });

  it('rejects a header length beyond the file size', () => {
    const file = buildFile({}, new Uint8Array(0), 100n);
    expect(expectError(() => parseSafetensors(file), 'HEADER_LENGTH').message).toContain('100');
  });

  it('rejects absurd header lengths before decoding', () => {
    expectError(() => parseSafetensors(buildFile({}, new Uint8Array(0), 2n ** 64n - 1n)), 'HEADER_LENGTH');
    const overCap = buildFile({}, new Uint8Array(0), BigInt(MAX_HEADER_BYTES) + 1n);
    expectError(() => parseSafetensors(overCap), 'HEADER_LENGTH');
  });

  it('rejects invalid UTF-8 in the header', () => {
    const file = buildFile('{"a":1}');
    file[10] = 0xff;
    expectError(() => parseSafetensors(file), 'HEADER_JSON');
  });

  it('rejects invalid JSON and an empty header', () => {
    expectError(() => parseSafetensors(buildFile('{"a":')), 'HEADER_JSON');
    expectError(() => parseSafetensors(buildFile('')), 'HEADER_JSON');
  });

  it('rejects a header that is not an object', () => {
    for (const h of ['[]', 'null', '3', '"s"']) expectError(() => parseSafetensors(buildFile(h)), 'HEADER_SCHEMA');
  });

  it('rejects entries with missing or ill-typed fields', () => {
    const cases: unknown[] = [
      5,
      null,
      [],
      { shape: [1], data_offsets: [0, 4] },
      entry(32, [1], [0, 4]),
      entry('F32', 1, [0, 4]),
      entry('F32', [1], 'x'),
      entry('F32', [1], [0]),
      entry('F32', [1], [0, 4, 8]),
    ];
    for (const e of cases) {
      expectError(() => parseSafetensors(buildFile({ w: e }, new Uint8Array(8))), 'HEADER_SCHEMA', 'w');
    }
  });

  it('rejects unsupported dtypes', () => {
    for (const dtype of ['U8', 'BOOL', 'F8_E4M3', 'I16', 'f32', '']) {
      const e = expectError(
        () => parseSafetensors(buildFile({ w: entry(dtype, [1], [0, 1]) }, new Uint8Array(8))),
        'UNKNOWN_DTYPE',
        'w',
      );
      expect(e.message).toContain(JSON.stringify(dtype));
    }
  });

  it('rejects negative, fractional, unsafe and non-numeric dims', () => {
    for (const dim of [-1, 1.5, 2 ** 53, 1e300, '2', null]) {
      expectError(
        () => parseSafetensors(buildFile({ w: entry('F32', [dim], [0, 4]) }, new Uint8Array(8))),
        'INVALID_SHAPE',
        'w',
      );
    }
  });

  it('rejects shapes whose element count overflows MAX_SAFE_INTEGER', () => {
    const shape = [2 ** 20, 2 ** 20, 2 ** 20];
    const e = expectError(
      () => parseSafetensors(buildFile({ w: entry('F32', shape, [0, 4]) }, new Uint8Array(8))),
      'INVALID_SHAPE',
      'w',
    );
    expect(e.message).toContain('2^53-1');
    // A zero dim makes the count 0, however large the other dims are.
    const ok = parseSafetensors(buildFile({ w: entry('F32', [0, 2 ** 52, 2 ** 52], [0, 0]) }));
    expect(ok.tensors.get('w')?.data.length).toBe(0);
  });

  it('rejects malformed offsets', () => {
    const bad: unknown[] = [
      [-1, 3],
      [0.5, 4.5],
      ['0', '4'],
      [null, 4],
      [0, 2 ** 53],
    ];
    for (const offsets of bad) {
      expectError(
        () => parseSafetensors(buildFile({ w: entry('F32', [1], offsets) }, new Uint8Array(8))),
        'OFFSETS',
        'w',
      );
    }
  });

  it('rejects offsets with begin > end', () => {
    const e = expectError(
      () => parseSafetensors(buildFile({ w: entry('F32', [1], [8, 4]) }, new Uint8Array(8))),
      'OFFSETS',
      'w',
    );
    expect(e.message).toContain('begin > end');
  });

  it('rejects offsets beyond the data section', () => {
    const e = expectError(
      () => parseSafetensors(buildFile({ w: entry('F32', [2], [4, 12]) }, new Uint8Array(8))),
      'OFFSETS',
      'w',
    );
    expect(e.message).toContain('8 bytes');
  });

  it('rejects overlapping offsets', () => {
    const header = { a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) };
    const e = expectError(() => parseSafetensors(buildFile(header, new Uint8Array(12))), 'OVERLAP', 'b');
    expect(e.message).toContain('"a"');
    // Identical ranges overlap too; empty ranges never do.
    const same = { a: entry('I32', [1], [0, 4]), b: entry('I32', [1], [0, 4]) };
    expectError(() => parseSafetensors(buildFile(same, new Uint8Array(4))), 'OVERLAP');
    const empty = { a: entry('I32', [1], [0, 4]), b: entry('I32', [0], [2, 2]) };
    expect(parseSafetensors(buildFile(empty, new Uint8Array(4))).tensors.size).toBe(2);
  });

  it('rejects a byte span that does not match the shape', () => {
    const e = expectError(
      () => parseSafetensors(buildFile({ w: entry('F32', [2, 3], [0, 20]) }, new Uint8Array(24))),
      'SHAPE_MISMATCH',
      'w',
    );
    expect(e.message).toBe('safetensors: tensor "w": shape [2,3] needs 24 bytes of F32 but data_offsets span 20');
  });

  it('rejects I64 values outside int32', () => {
    for (const v of [2n ** 31n, -(2n ** 31n) - 1n, 2n ** 32n, -(2n ** 63n)]) {
      const file = buildFile({ t: entry('I64', [2], [0, 16]) }, i64Bytes([1n, v]));
      const e = expectError(() => parseSafetensors(file), 'INT_RANGE', 't');
      expect(e.message).toContain(String(v));
    }
    // The int32 extremes are fine.
    const ok = buildFile({ t: entry('I64', [2], [0, 16]) }, i64Bytes([2n ** 31n - 1n, -(2n ** 31n)]));
    expect(Array.from(parseSafetensors(ok).tensors.get('t')?.data ?? [])).toEqual([2 ** 31 - 1, -(2 ** 31)]);
  });

  it('rejects __metadata__ that is not an object of strings', () => {
    for (const meta of [null, 'x', ['a'], { a: 1 }, { a: { b: 'c' } }]) {
      const e = expectError(() => parseSafetensors(buildFile({ __metadata__: meta })), 'METADATA');
      expect(e.key).toBe('__metadata__');
    }
  });

  it('wraps unexpected failures as INTERNAL', () => {
    // Passes the instanceof check but every typed-array getter throws a TypeError.
    const fake = Object.create(Uint8Array.prototype) as Uint8Array;
    const e = expectError(() => parseSafetensors(fake), 'INTERNAL');
    expect(e.cause).toBeInstanceOf(TypeError);
  });
});

describe('writer errors', () => {
  it('rejects data whose length does not match the shape', () => {
    const e = expectError(
      () => serializeSafetensors({ w: { dtype: 'float32', shape: [2, 3], data: new Float32Array(5) } }),
      'SHAPE_MISMATCH',
      'w',
    );
    expect(e.message).toContain('6 elements');
    expectError(() => rawTensor('int32', [4], [1, 2]), 'SHAPE_MISMATCH');
  });

  it('rejects a typed array that does not match the dtype', () => {
    expectError(
      () => serializeSafetensors({ w: { dtype: 'float32', shape: [1], data: new Float64Array(1) } }),
      'INVALID_DTYPE',
      'w',
    );
    expectError(
      () => serializeSafetensors({ w: { dtype: 'int8' as 'int32', shape: [1], data: new Int32Array(1) } }),
      'INVALID_DTYPE',
      'w',
    );
  });

  it('rejects invalid shapes', () => {
    expectError(() => rawTensor('float32', [-1], []), 'INVALID_SHAPE');
    const w: RawTensor = { dtype: 'float32', shape: [1.5], data: new Float32Array(1) };
    expectError(() => serializeSafetensors({ w }), 'INVALID_SHAPE', 'w');
  });

  it('rejects the reserved name __metadata__', () => {
    const tensors = new Map([['__metadata__', rawTensor('float32', [1], [1])]]);
    expectError(() => serializeSafetensors(tensors), 'INVALID_NAME', '__metadata__');
  });

  it('rejects non-string metadata values', () => {
    const e = expectError(
      () => serializeSafetensors({}, { a: 1 } as unknown as Record<string, string>),
      'METADATA',
    );
    expect(e.message).toContain('"a"');
  });

  it('rejects tensors that are not a Map or an object', () => {
    expectError(() => serializeSafetensors(null as unknown as Map<string, RawTensor>), 'INVALID_INPUT');
    expectError(() => serializeSafetensors({ w: 3 as unknown as RawTensor }), 'INVALID_INPUT', 'w');
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzzing: every input must either parse or throw a (non-INTERNAL) SafetensorsError, quickly.

describe('fuzzing the reader', () => {
  const VALID_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I32', 'I64'] as const;
  const ITEM: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };

  // Valid seed files to mutate: a small one per dtype, and the real fixtures.
  const seeds: Uint8Array[] = [
    serializeSafetensors(
      { a: rawTensor('float32', [2], [1, 2]), b: rawTensor('float64', [1], [3]), c: rawTensor('int32', [0], []) },
      { k: 'v' },
    ),
    buildFile({ h: entry('F16', [2], [0, 4]), g: entry('BF16', [2], [4, 8]) }, u16Bytes([0x3c00, 0x7c00, 0x3f80, 1])),
    buildFile({ t: entry('I64', [2], [0, 16]) }, i64Bytes([-100n, 7n])),
    fixture('cross_entropy'),
  ];

  const name = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', '__metadata__', 'constructor', 'w'));
  const dim = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 8 },
    { arbitrary: fc.constantFrom(-1, 1.5, 2 ** 31, 2 ** 53, 1e300, -0, 2 ** 26), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
  );
  const offset = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 80 }), weight: 8 },
    { arbitrary: fc.constantFrom(-1, 0.5, 2 ** 53, 2 ** 64, 1e308), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
  );
  const dtype = fc.oneof(
    { arbitrary: fc.constantFrom(...VALID_DTYPES), weight: 8 },
    { arbitrary: fc.constantFrom('U8', 'BOOL', 'F8_E5M2', 'I16', 'U64'), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
  );
  // Consistent-looking entries: the end offset usually matches the shape, so deeper paths run.
  const plausibleEntry = fc
    .record({
      dtype: fc.constantFrom(...VALID_DTYPES),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    })
    .chain(({ dtype: dt, shape }) =>
      fc
        .tuple(
          fc.integer({ min: 0, max: 24 }),
          fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, fc.integer({ min: -4, max: 4 })),
        )
        .map(([begin, delta]) => entry(dt, shape, [begin, begin + product(shape) * (ITEM[dt] ?? 1) + delta])),
    );
  const randomEntry = fc.oneof(
    { arbitrary: plausibleEntry, weight: 12 },
    {
      arbitrary: fc.record({
        dtype,
        shape: fc.array(dim, { maxLength: 4 }),
        data_offsets: fc.array(offset, { maxLength: 3 }),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record(
        { dtype, shape: fc.jsonValue({ maxDepth: 2 }), data_offsets: fc.jsonValue({ maxDepth: 2 }) },
        { requiredKeys: [] },
      ),
      weight: 1,
    },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
  );
  const metadata = fc.oneof(
    { arbitrary: fc.dictionary(name, fc.string({ maxLength: 8 }), { maxKeys: 3 }), weight: 4 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
  );
  const data = fc.uint8Array({ maxLength: 160 });

  // Valid files with mutated bytes and/or truncation.
  const mutatedSeed = fc
    .record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat()),
    })
    .map(({ seed, edits, cut }) => {
      const base = seeds[seed] ?? new Uint8Array(0);
      const out = base.slice(0, cut === null ? base.length : cut % (base.length + 1));
      for (const [pos, byte] of edits) if (out.length > 0) out[pos % out.length] = byte;
      return out;
    });

  // Headers that are arbitrary JSON values.
  const randomJsonHeader = fc
    .tuple(fc.jsonValue({ maxDepth: 3 }), data)
    .map(([h, d]) => buildFile(JSON.stringify(h) ?? '', d));

  // Object headers with random names, dtypes, shapes, offsets and metadata. The data section is
  // usually sized to the largest declared end (plus some slack) so validation gets past OFFSETS.
  const structuredHeader = fc
    .record({
      entries: fc.array(fc.tuple(name, randomEntry), { maxLength: 4 }),
      meta: fc.option(metadata, { freq: 2 }),
      slack: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.integer({ min: -4, max: 16 })),
      pool: fc.uint8Array({ minLength: 256, maxLength: 256 }),
    })
    .map(({ entries, meta, slack, pool }) => {
      const header = Object.create(null) as Record<string, unknown>;
      if (meta !== null) header['__metadata__'] = meta;
      let maxEnd = 0;
      for (const [k, v] of entries) {
        header[k] = v;
        const end: unknown = (v as { data_offsets?: unknown[] } | null)?.data_offsets?.[1];
        if (typeof end === 'number' && end >= 0 && end <= 200) maxEnd = Math.max(maxEnd, Math.floor(end));
      }
      return buildFile(header, pool.slice(0, Math.max(0, maxEnd + slack)));
    });

  // Huge or slightly wrong declared header lengths.
  const declaredLength = fc
    .tuple(
      fc.oneof(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.constantFrom(2n ** 64n - 1n, 2n ** 63n, 2n ** 32n, 2n ** 53n + 1n, BigInt(MAX_HEADER_BYTES) + 1n),
        fc.bigInt({ min: 0n, max: 64n }),
      ),
      data,
    )
    .map(([len, d]) => buildFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', d, len));

  const inputs: fc.Arbitrary<Uint8Array> = fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 }, // random bytes
    { arbitrary: mutatedSeed, weight: 2 },
    { arbitrary: randomJsonHeader, weight: 1 },
    { arbitrary: structuredHeader, weight: 4 },
    { arbitrary: declaredLength, weight: 1 },
  );

  it('returns a result or throws SafetensorsError for 1500 malformed buffers', () => {
    const NUM_RUNS = 1500;
    let runs = 0;
    let slowest = 0;
    const outcomes = new Map<string, number>();
    const start = performance.now();

    fc.assert(
      fc.property(inputs, (bytes) => {
        runs++;
        const t0 = performance.now();
        let outcome = 'ok';
        try {
          const parsed = parseSafetensors(bytes);
          for (const t of parsed.tensors.values()) {
            expect(t.data.length).toBe(product(t.shape));
            expect(t.data.buffer).not.toBe(bytes.buffer);
          }
        } catch (err) {
          if (!(err instanceof SafetensorsError)) {
            throw new Error(`non-SafetensorsError thrown: ${String(err)}`, { cause: err });
          }
          expect(SAFETENSORS_ERROR_CODES).toContain(err.code);
          expect(err.code).not.toBe('INTERNAL'); // every failure on a Uint8Array is a classified one
          outcome = err.code;
        }
        slowest = Math.max(slowest, performance.now() - t0);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { seed: 20240611, numRuns: NUM_RUNS },
    );

    expect(runs).toBe(NUM_RUNS);
    // The generators reach deep: successes and most reader error codes occur.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(50);
    const expected = ['HEADER_TOO_SHORT', 'HEADER_LENGTH', 'HEADER_JSON', 'HEADER_SCHEMA', 'UNKNOWN_DTYPE'] as const;
    const deeper = ['INVALID_SHAPE', 'OFFSETS', 'OVERLAP', 'SHAPE_MISMATCH', 'INT_RANGE', 'METADATA'] as const;
    for (const code of [...expected, ...deeper]) {
      expect(outcomes.get(code) ?? 0, code).toBeGreaterThan(0);
    }
    expect(slowest).toBeLessThan(500);
    expect(performance.now() - start).toBeLessThan(20_000);
  });
});
