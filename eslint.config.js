import { config } from '@lnlab/eslint-config';

export default config;
