#!/usr/bin/env node
// Post-link step for the raw module (scripts/build-wasm.sh runs it before wasm-opt):
//
//   node scripts/wasm-entry-reset.mjs IN.wasm OUT.wasm
//
// makes every exported function set the shadow stack pointer (`__stack_pointer`, the global the
// Rust/LLVM toolchain keeps the linear-memory stack in) back to its initial value on entry.
//
// Why: a call that traps never runs its epilogues, so the stack pointer stays where the trap left
// it, and hosts keep the instance after a trap (Fluent Bit reuses one WAMR instance for every
// record). Without this, every trap leaks the shadow stack of the frames that were live, and after
// enough traps every call fails with "wasm auxiliary stack overflow". Resetting on entry is sound
// because an export is never entered while another one runs: the module imports nothing, so
// nothing can call back into it, and the hosts run one call at a time per instance.
//
// Uses the binaryen JS API from tools/wasm-opt (the pinned npm `binaryen`, already there for
// wasm-opt). Fails, rather than writing a module without the reset, if anything is not as expected.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: wasm-entry-reset.mjs IN.wasm OUT.wasm');
  process.exit(2);
}
const { default: binaryen } = await import(new URL('../tools/wasm-opt/node_modules/binaryen/index.js', import.meta.url));

const STACK_POINTER = '__stack_pointer';
const module = binaryen.readBinary(readFileSync(input));
module.setFeatures(binaryen.Features.All);

function die(message) {
  console.error(`wasm-entry-reset: ${message}`);
  process.exit(1);
}

// The stack pointer: a mutable i32 global with a constant initial value (the name comes from the
// name section, which the unoptimized module still has).
let initial;
for (let i = 0; i < module.getNumGlobals(); i++) {
  const global = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
  if (global.name !== STACK_POINTER) continue;
  const init = binaryen.getExpressionInfo(global.init);
  if (global.module || !global.mutable || global.type !== binaryen.i32 || init.id !== binaryen.ConstId) {
    die(`${STACK_POINTER} is not a defined mutable i32 with a constant initial value`);
  }
  initial = init.value;
}
if (initial === undefined) die(`no global named ${STACK_POINTER} (build the module with its name section)`);

const exports = [];
for (let i = 0; i < module.getNumExports(); i++) {
  const info = binaryen.getExportInfo(module.getExportByIndex(i));
  if (info.kind === binaryen.ExternalFunction) exports.push(info);
}
if (exports.length === 0) die('no exported functions');

for (const { name: exportName, value: internalName } of exports) {
  const fn = binaryen.getFunctionInfo(module.getFunction(internalName));
  const params = binaryen.expandType(fn.params);
  const wrapper = `${internalName}$entry`;
  const body = module.block(null, [
    module.global.set(STACK_POINTER, module.i32.const(initial)),
    module.call(internalName, params.map((type, i) => module.local.get(i, type)), fn.results),
  ], fn.results);
  module.addFunction(wrapper, fn.params, fn.results, [], body);
  module.removeExport(exportName);
  module.addFunctionExport(wrapper, exportName);
}

if (!module.validate()) die('the module does not validate after the change');
writeFileSync(output, module.emitBinary());
console.log(`wasm-entry-reset: ${exports.length} exports reset ${STACK_POINTER} to ${initial} on entry`);
