import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The collector's package version, reported in logs and to operators. */
export const VERSION: string = (require('../package.json') as { version: string }).version;
