// Safe, dependency-free safetensors reader and writer on Uint8Array.
//
// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON header, then the data section.
// The header maps tensor names to { dtype, shape, data_offsets: [begin, end] } (offsets relative to
// the data section) plus an optional "__metadata__" object of string -> string.
//
// The reader treats its input as untrusted: it validates the whole header before allocating any
// output, never allocates more than the file implies, copies data out of the input buffer, and
// only ever throws SafetensorsError.

export type RawDType = 'float32' | 'float64' | 'int32';
export type RawData = Float32Array | Float64Array | Int32Array;

export interface RawTensor {
  dtype: RawDType;
  shape: number[];
  data: RawData;
}

export interface ParsedSafetensors {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** Every code a SafetensorsError can carry. */
export const SAFETENSORS_ERROR_CODES = [
  'INVALID_INPUT', // argument is not a Uint8Array / not a Map or object of tensors
  'HEADER_TOO_SHORT', // fewer than 8 bytes
  'HEADER_LENGTH', // declared header length exceeds the file or the cap
  'HEADER_JSON', // header is not valid UTF-8 JSON
  'HEADER_SCHEMA', // header / entry / field has the wrong JSON type
  'UNKNOWN_DTYPE', // dtype not supported
  'INVALID_SHAPE', // dims not non-negative safe integers, or element count overflows
  'OFFSETS', // data_offsets malformed or outside the data section
  'OVERLAP', // two tensors share bytes
  'SHAPE_MISMATCH', // byte span (reader) or data length (writer) disagrees with shape
  'INT_RANGE', // I64 value does not fit in int32
  'METADATA', // __metadata__ is not an object of strings
  'INVALID_NAME', // writer: tensor named "__metadata__"
  'INVALID_DTYPE', // writer: unknown dtype or typed array that does not match it
  'INTERNAL', // unexpected failure, wrapped
] as const;

export type SafetensorsErrorCode = (typeof SAFETENSORS_ERROR_CODES)[number];

export class SafetensorsError extends Error {
  readonly code: SafetensorsErrorCode;
  readonly key?: string;

  constructor(code: SafetensorsErrorCode, message: string, key?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SafetensorsError';
    this.code = code;
    if (key !== undefined) this.key = key;
  }
}

/** Largest header we are willing to decode (the reference implementation uses the same 100 MB cap). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

// File dtypes the reader understands: item size in bytes and the in-memory dtype they decode to.
const FILE_DTYPES = {
  F64: { size: 8, to: 'float64' },
  F32: { size: 4, to: 'float32' },
  F16: { size: 2, to: 'float32' },
  BF16: { size: 2, to: 'float32' },
  I32: { size: 4, to: 'int32' },
  I64: { size: 8, to: 'int32' },
} as const satisfies Record<string, { size: number; to: RawDType }>;

type FileDType = keyof typeof FILE_DTYPES;

// Writer mapping: in-memory dtype -> file dtype, item size, and typed array class.
const WRITE_DTYPES = {
  float32: { file: 'F32', size: 4, array: Float32Array },
  float64: { file: 'F64', size: 8, array: Float64Array },
  int32: { file: 'I32', size: 4, array: Int32Array },
} as const;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Message helpers (bounded in size: names and values in an untrusted header can be huge)

function quote(name: string): string {
  const shown = name.length > 200 ? `${name.slice(0, 200)}...` : name;
  return JSON.stringify(shown);
}

function prefix(key: string | undefined): string {
  return key === undefined ? 'safetensors: ' : `safetensors: tensor ${quote(key)}: `;
}

function fail(code: SafetensorsErrorCode, key: string | undefined, what: string): never {
  throw new SafetensorsError(code, prefix(key) + what, key);
}

/** Short description of an arbitrary JSON value for error messages. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `string ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function formatShape(shape: readonly number[]): string {
  return shape.length > 16 ? `[${shape.slice(0, 16).join(',')},...] (rank ${shape.length})` : `[${shape.join(',')}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeSafeInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

// ---------------------------------------------------------------------------------------------
// Shared validation

/** Validates dims and returns a copy of the shape (INVALID_SHAPE on bad dims). */
function checkShape(shape: readonly unknown[], key: string | undefined): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!isNonNegativeSafeInt(d)) {
      fail('INVALID_SHAPE', key, `shape dim ${i} must be a non-negative safe integer, got ${describe(d)}`);
    }
    out.push(d);
  }
  return out;
}

/** Product of dims; INVALID_SHAPE if it exceeds Number.MAX_SAFE_INTEGER. */
function elementCount(shape: readonly number[], key: string | undefined): number {
  if (shape.includes(0)) return 0; // a zero dim wins, however large the others are
  let n = 1;
  for (const d of shape) {
    if (n > Number.MAX_SAFE_INTEGER / d) {
      fail('INVALID_SHAPE', key, `shape ${formatShape(shape)} has more than 2^53-1 elements`);
    }
    n *= d;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Reader

interface Entry {
  name: string;
  dtype: FileDType;
  shape: number[];
  count: number; // number of elements
  offsets: [number, number]; // data_offsets as declared (relative to the data section)
  begin: number; // absolute byte range in the input
  end: number;
}

/** Parses a safetensors file. Throws only SafetensorsError. */
export function parseSafetensors(bytes: Uint8Array): ParsedSafetensors {
  try {
    return parseUnchecked(bytes);
  } catch (err) {
    if (err instanceof SafetensorsError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new SafetensorsError('INTERNAL', `safetensors: unexpected failure while reading: ${detail}`, undefined, {
      cause: err,
    });
  }
}

function parseUnchecked(bytes: Uint8Array): ParsedSafetensors {
  if (!(bytes instanceof Uint8Array)) fail('INVALID_INPUT', undefined, `expected a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < 8) fail('HEADER_TOO_SHORT', undefined, `file has ${bytes.length} bytes, need at least 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // Header length: u64 LE, read as two u32 halves (no precision loss, no BigInt needed for checks).
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_BYTES) {
    const declared = (BigInt(hi) << 32n) | BigInt(lo);
    fail('HEADER_LENGTH', undefined, `declared header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte cap`);
  }
  const headerLen = lo;
  if (headerLen > bytes.length - 8) {
    const available = bytes.length - 8;
    const what = `declared header length ${headerLen} exceeds the ${available} bytes after the length prefix`;
    fail('HEADER_LENGTH', undefined, what);
  }

  const header = decodeHeader(bytes.subarray(8, 8 + headerLen));
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  // Pass 1: validate every entry (no output allocation yet).
  const entries: Entry[] = [];
  let metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(header)) {
    const value = header[name];
    if (name === METADATA_KEY) metadata = readMetadata(value);
    else entries.push(readEntry(name, value, dataStart, dataLen));
  }
  checkOverlaps(entries);
  for (const e of entries) if (e.dtype === 'I64') checkI64Range(view, e);

  // Pass 2: decode into freshly allocated arrays sized from the validated byte ranges.
  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: FILE_DTYPES[e.dtype].to, shape: e.shape, data: decode(bytes, view, e) });
  }
  return { tensors, metadata };
}

function decodeHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // fatal: invalid UTF-8 throws; ignoreBOM: keep a BOM so JSON.parse rejects it like the reference does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    fail('HEADER_JSON', undefined, 'header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text); // trailing space padding is JSON whitespace
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    fail('HEADER_JSON', undefined, `header is not valid JSON (${detail.slice(0, 200)})`);
  }
  if (!isPlainObject(header)) fail('HEADER_SCHEMA', undefined, `header must be a JSON object, got ${describe(header)}`);
  return header;
}

function metadataError(what: string): never {
  throw new SafetensorsError('METADATA', `safetensors: ${METADATA_KEY} ${what}`, METADATA_KEY);
}

function readMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) metadataError(`must be an object of strings, got ${describe(value)}`);
  // Null prototype: keys such as "__proto__" become plain own properties.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') metadataError(`value for ${quote(k)} must be a string, got ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

function readEntry(name: string, value: unknown, dataStart: number, dataLen: number): Entry {
  if (!isPlainObject(value)) {
    fail('HEADER_SCHEMA', name, `entry must be an object with dtype, shape and data_offsets, got ${describe(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value;

  if (typeof dtype !== 'string') fail('HEADER_SCHEMA', name, `dtype must be a string, got ${describe(dtype)}`);
  if (!Object.hasOwn(FILE_DTYPES, dtype)) {
    const supported = Object.keys(FILE_DTYPES).join(', ');
    fail('UNKNOWN_DTYPE', name, `unsupported dtype ${quote(dtype)} (supported: ${supported})`);
  }
  const fileDType = dtype as FileDType;

  if (!Array.isArray(shape)) fail('HEADER_SCHEMA', name, `shape must be an array, got ${describe(shape)}`);
  const dims = checkShape(shape, name);

  if (!Array.isArray(offsets) || offsets.length !== 2) {
    fail('HEADER_SCHEMA', name, `data_offsets must be an array [begin, end], got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as unknown[];
  if (!isNonNegativeSafeInt(begin) || !isNonNegativeSafeInt(end)) {
    fail('OFFSETS', name, `data_offsets must be non-negative integers, got [${describe(begin)}, ${describe(end)}]`);
  }
  if (begin > end) fail('OFFSETS', name, `data_offsets [${begin},${end}] have begin > end`);
  if (end > dataLen) fail('OFFSETS', name, `data_offsets [${begin},${end}] exceed the data section (${dataLen} bytes)`);

  const count = elementCount(dims, name);
  const itemSize = FILE_DTYPES[fileDType].size;
  const span = end - begin;
  // count * itemSize may exceed 2^53 (imprecise) but then it is far above span anyway, so the comparison is sound.
  if (count * itemSize !== span) {
    const needed = `${count * itemSize} bytes of ${fileDType}`;
    fail('SHAPE_MISMATCH', name, `shape ${formatShape(dims)} needs ${needed} but data_offsets span ${span}`);
  }
  return {
    name,
    dtype: fileDType,
    shape: dims,
    count,
    offsets: [begin, end],
    begin: dataStart + begin,
    end: dataStart + end,
  };
}

/** Rejects tensors whose (non-empty) byte ranges intersect. */
function checkOverlaps(entries: readonly Entry[]): void {
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev !== undefined && cur !== undefined && cur.begin < prev.end) {
      const range = (e: Entry): string => `[${e.offsets[0]},${e.offsets[1]}]`;
      fail('OVERLAP', cur.name, `data_offsets ${range(cur)} overlap tensor ${quote(prev.name)} ${range(prev)}`);
    }
  }
}

/** Every I64 value must fit in int32: the high word must be the sign extension of the low word. */
function checkI64Range(view: DataView, e: Entry): void {
  for (let i = 0; i < e.count; i++) {
    const off = e.begin + 8 * i; // the view starts where `bytes` starts
    const low = view.getInt32(off, true);
    const high = view.getInt32(off + 4, true);
    if (high !== (low < 0 ? -1 : 0)) {
      const v = view.getBigInt64(off, true);
      fail('INT_RANGE', e.name, `I64 value ${v} at index ${i} does not fit in int32`);
    }
  }
}

/** Copies bytes [begin, end) into a fresh, aligned ArrayBuffer (never aliases the input). */
function copyBytes(bytes: Uint8Array, begin: number, end: number): ArrayBuffer {
  const out = new Uint8Array(end - begin);
  out.set(new Uint8Array(bytes.buffer, bytes.byteOffset + begin, end - begin));
  return out.buffer;
}

function decode(bytes: Uint8Array, view: DataView, e: Entry): RawData {
  const { begin, end, count } = e;
  switch (e.dtype) {
    case 'F64': {
      if (LITTLE_ENDIAN) return new Float64Array(copyBytes(bytes, begin, end));
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(begin + 8 * i, true);
      return out;
    }
    case 'F32': {
      if (LITTLE_ENDIAN) return new Float32Array(copyBytes(bytes, begin, end));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(begin + 4 * i, true);
      return out;
    }
    case 'I32': {
      if (LITTLE_ENDIAN) return new Int32Array(copyBytes(bytes, begin, end));
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(begin + 4 * i, true);
      return out;
    }
    case 'I64': {
      // Range already checked: the low word carries the value.
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(begin + 8 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(begin + 2 * i, true));
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift its bits into place.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(begin + 2 * i, true) << 16;
      return out;
    }
  }
}

/** IEEE 754 binary16 bits -> number (exact; every half value is representable in float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero / subnormal
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// ---------------------------------------------------------------------------------------------
// Writer

interface Planned {
  name: string;
  tensor: RawTensor;
  size: number; // bytes
}

/**
 * Serializes tensors (keys sorted, data contiguous in key order) with optional string metadata.
 * The header is space-padded so the data section starts 8-byte aligned.
 */
export function serializeSafetensors(
  tensors: Map<string, RawTensor> | Record<string, RawTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  try {
    return serializeUnchecked(tensors, metadata);
  } catch (err) {
    if (err instanceof SafetensorsError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new SafetensorsError('INTERNAL', `safetensors: unexpected failure while writing: ${detail}`, undefined, {
      cause: err,
    });
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function serializeUnchecked(
  tensors: Map<string, RawTensor> | Record<string, RawTensor>,
  metadata: Record<string, string> | undefined,
): Uint8Array {
  let pairs: [string, unknown][];
  if (tensors instanceof Map) pairs = [...(tensors as Map<unknown, unknown>)].map(([k, v]) => [String(k), v]);
  else if (isPlainObject(tensors)) pairs = Object.entries(tensors);
  else fail('INVALID_INPUT', undefined, `tensors must be a Map or an object, got ${describe(tensors)}`);
  pairs.sort((a, b) => compareCodeUnits(a[0], b[0]));

  // Validate and lay out.
  const planned: Planned[] = [];
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${metadataJson(metadata)}`);
  let offset = 0;
  for (const [name, value] of pairs) {
    if (name === METADATA_KEY) fail('INVALID_NAME', name, `the name ${quote(METADATA_KEY)} is reserved`);
    const tensor = checkTensor(name, value);
    const { file, size: itemSize } = WRITE_DTYPES[tensor.dtype];
    const size = tensor.data.length * itemSize;
    const entry = { dtype: file, shape: tensor.shape, data_offsets: [offset, offset + size] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
    planned.push({ name, tensor, size });
    offset += size;
  }

  // Header: JSON padded with spaces to a multiple of 8 so the data starts 8-byte aligned.
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);

  // Data, little-endian.
  let pos = 8 + headerLen;
  for (const { tensor, size } of planned) {
    writeData(out, view, pos, tensor);
    pos += size;
  }
  return out;
}

function metadataJson(metadata: unknown): string {
  if (!isPlainObject(metadata)) metadataError(`must be an object of strings, got ${describe(metadata)}`);
  const keys = Object.keys(metadata).sort(compareCodeUnits);
  const fields = keys.map((k) => {
    const v = metadata[k];
    if (typeof v !== 'string') metadataError(`value for ${quote(k)} must be a string, got ${describe(v)}`);
    return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
  });
  return `{${fields.join(',')}}`;
}

/** Validates a tensor for writing (dtype, typed array class, shape, length). */
function checkTensor(name: string | undefined, value: unknown): RawTensor {
  if (!isPlainObject(value)) fail('INVALID_INPUT', name, `expected a tensor object, got ${describe(value)}`);
  const { dtype, shape, data } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(WRITE_DTYPES, dtype)) {
    fail('INVALID_DTYPE', name, `dtype must be one of ${Object.keys(WRITE_DTYPES).join(', ')}, got ${describe(dtype)}`);
  }
  const spec = WRITE_DTYPES[dtype as RawDType];
  if (!(data instanceof spec.array)) {
    fail('INVALID_DTYPE', name, `dtype ${dtype} needs a ${spec.array.name}, got ${describeData(data)}`);
  }
  if (!Array.isArray(shape)) fail('INVALID_SHAPE', name, `shape must be an array, got ${describe(shape)}`);
  const dims = checkShape(shape, name);
  const count = elementCount(dims, name);
  if (data.length !== count) {
    fail('SHAPE_MISMATCH', name, `shape ${formatShape(dims)} needs ${count} elements but data has ${data.length}`);
  }
  return { dtype: dtype as RawDType, shape: dims, data };
}

function describeData(data: unknown): string {
  if (ArrayBuffer.isView(data)) return data.constructor.name;
  return describe(data);
}

function writeData(out: Uint8Array, view: DataView, pos: number, t: RawTensor): void {
  const { data } = t;
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    return;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    if (data instanceof Float64Array) view.setFloat64(pos + 8 * i, v, true);
    else if (data instanceof Float32Array) view.setFloat32(pos + 4 * i, v, true);
    else view.setInt32(pos + 4 * i, v, true);
  }
}

// ---------------------------------------------------------------------------------------------
// Convenience

/**
 * Builds a RawTensor, converting a plain number array to the dtype's typed array.
 * Throws SafetensorsError if the data does not match the dtype or shape.
 */
export function rawTensor(dtype: RawDType, shape: readonly number[], data: RawData | readonly number[]): RawTensor {
  if (!Object.hasOwn(WRITE_DTYPES, dtype)) fail('INVALID_DTYPE', undefined, `unknown dtype ${describe(dtype)}`);
  const typed = Array.isArray(data) ? WRITE_DTYPES[dtype].array.from(data as readonly number[]) : data;
  return checkTensor(undefined, { dtype, shape, data: typed });
}
