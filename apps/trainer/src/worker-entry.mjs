// Worker-thread entry: registers tsx in this thread (loader flags are not inherited by workers on Node 20),
// then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
