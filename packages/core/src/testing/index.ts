// @lnlab/core/testing: helpers for gradient-spec tables and golden fixtures, shared with @lnlab/nn.
export { checkSpec, sampleInput, specInputs } from './grad-spec';
export type { Domain, GradSpec } from './grad-spec';
export { fixturesDir, loadFixture, maxRelError, normRelError } from './fixtures';
export type { Fixture } from './fixtures';
