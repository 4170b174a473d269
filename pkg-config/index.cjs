'use strict';
// Node, CommonJS: `const { normalize } = require('s3norm')`. Ready on require, no init call.
const glue = require('./s3norm_node.cjs');
const { createApi } = require('./api.cjs');

const api = createApi(glue, () => {});

/** No-op in Node (the module is instantiated on require); kept so browser code runs unchanged. */
function init() {
  return Promise.resolve();
}
/** No-op in Node. */
function initSync() {}

module.exports = {
  transform: api.transform,
  normalize: api.normalize,
  salFields: api.salFields,
  correlate: api.correlate,
  coverageBuilder: api.coverageBuilder,
  operations: api.operations,
  version: api.version,
  abiVersion: api.abiVersion,
  init,
  initSync,
};
