// The package README's example, kept here (import paths aside) so a test proves it runs as written.
import { Generator, randint } from '@lnlab/core';
import { Adam, Embedding, Linear, TransformerEncoder, crossEntropy, loadModule, saveModule } from '../index';

const gen = new Generator(0);                                              // every init is seeded
const layer = { dModel: 32, nHead: 4, dimFeedforward: 64, dropout: 0, activation: 'gelu' as const, normFirst: true, generator: gen };
const embed = new Embedding(10, 32, { generator: gen });
const encoder = new TransformerEncoder(layer, 2, { finalNorm: true });      // pre-LN, 2 layers, final LayerNorm
const head = new Linear(32, 10, { generator: gen });
const opt = new Adam([...embed.parameters(), ...encoder.parameters(), ...head.parameters()], { lr: 1e-3 });

const ids = randint(0, 10, [8, 16], { generator: gen });                   // 8 sequences of 16 token ids
const losses: number[] = [];
for (let step = 0; step < 2; step++) {
  const logits = head.forward(encoder.forward(embed.forward(ids), { isCausal: true }));
  const loss = crossEntropy(logits, ids);                                  // learn to echo each id
  opt.zeroGrad();
  loss.backward();
  opt.step();
  losses.push(loss.item());
}
const bytes = saveModule(encoder);                                          // safetensors, PyTorch key names
const reloaded = new TransformerEncoder(layer, 2, { finalNorm: true });
loadModule(reloaded, bytes);                                                // strict: every key must match

export const example = { losses, encoder, reloaded, ids, embed };
