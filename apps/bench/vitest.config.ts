import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});

export default config;
