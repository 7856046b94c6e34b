// A module's state dict ⇄ safetensors bytes (files are the trainer's business).
import { loadSafetensors, saveSafetensors } from '@lnlab/core';
import type { Module, LoadResult } from './module';

/** The module's parameters and persistent buffers as safetensors bytes, under PyTorch names. */
export function saveModule(module: Module, metadata?: Record<string, string>): Uint8Array {
  return saveSafetensors(module.stateDict(), metadata);
}

/**
 * Loads safetensors bytes into the module. With `prefix`, only keys starting with it are used (stripped), so a
 * fixture's `param.` keys load directly.
 */
export function loadModule(module: Module, bytes: Uint8Array, options: { strict?: boolean; prefix?: string } = {}): LoadResult & { metadata: Record<string, string> } {
  const { tensors, metadata } = loadSafetensors(bytes);
  const prefix = options.prefix ?? '';
  const sd = new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t] as const));
  return { ...module.loadStateDict(sd, options.strict === undefined ? {} : { strict: options.strict }), metadata };
}
