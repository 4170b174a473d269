// Node, ESM: `import { normalize } from 's3norm'`. Ready on import, no init call; the default
// export is a no-op `init` so code written for browsers (`await init()`) runs unchanged.
import api from './index.cjs';

export const { transform, normalize, salFields, correlate, coverageBuilder, operations, version, abiVersion, init, initSync } = api;
export default init;
