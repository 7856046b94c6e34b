// What the WebAssembly kernel modules share: the slice of the WebAssembly JS API they use (core's TypeScript
// libs do not declare it) and a dependency-free base64 decoder for the committed module bytes.

/** The parts of the WebAssembly JS API used here (core's TypeScript libs do not declare it). */
export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Bytes rounded up to a 64-byte boundary (buffers in the modules' memories are cache-line aligned). */
export const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Grows `memory` to at least `bytes` (65,536-byte pages); false if that exceeds `maxBytes` or the engine refuses. */
export function growMemory(memory: WasmMemory, bytes: number, maxBytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  if (bytes > maxBytes) return false;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
  } catch {
    return false;
  }
  return true;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes standard padded base64 (no dependency on atob or Buffer). */
export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error('decodeBase64: length is not a multiple of 4');
  const value = new Uint8Array(128).fill(255);
  for (let i = 0; i < 64; i++) value[B64.charCodeAt(i)] = i;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let bits = 0;
    for (let j = 0; j < 4; j++) {
      const ch = text.charCodeAt(i + j);
      const v = ch === 61 /* = */ ? 0 : (value[ch] ?? 255);
      if (v === 255) throw new Error('decodeBase64: invalid base64');
      bits = (bits << 6) | v;
    }
    if (o < out.length) out[o++] = (bits >>> 16) & 255;
    if (o < out.length) out[o++] = (bits >>> 8) & 255;
    if (o < out.length) out[o++] = bits & 255;
  }
  return out;
}
