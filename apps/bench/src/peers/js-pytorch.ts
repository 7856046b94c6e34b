// js-pytorch peer: a PyTorch-like autograd library in plain JavaScript (nested arrays).
import type { torch as JsTorchNs } from 'js-pytorch';

export type JsTorch = typeof JsTorchNs;
export type JsTensor = InstanceType<JsTorch['Tensor']>;

let loading: Promise<JsTorch> | null = null;

export async function loadJsPytorch(): Promise<JsTorch> {
  loading ??= import('js-pytorch').then((m) => m.torch);
  return loading;
}
