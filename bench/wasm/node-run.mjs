// node-run.mjs — runs a wasm32-wasi command under node's WASI (preview1),
// the node column of bench/wasm/run.sh:
//
//   node --single-threaded --no-liftoff bench/wasm/node-run.mjs FILE.wasm [ARGS...]
//
// Prints the guest's output, exits with its exit code, and reports the
// compile time on stderr when NODE_RUN_TIMING=1. (--single-threaded avoids
// node 20's intermittent crash at exit after WASI runs, see
// reference/wasm-runtime.md §5; --no-liftoff compiles with TurboFan up front,
// since V8 cannot tier up a wasm function while it is running.)
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { argv, env, exit, stderr } from 'node:process';

const file = argv[2];
if (!file) {
  stderr.write('usage: node node-run.mjs FILE.wasm [ARGS...]\n');
  exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...argv.slice(3)], env: {}, returnOnExit: true });
const t0 = performance.now();
const module = await WebAssembly.compile(readFileSync(file));
const t1 = performance.now();
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const code = wasi.start(instance);
if (env.NODE_RUN_TIMING === '1') stderr.write(`compile ${(t1 - t0).toFixed(2)} ms\n`);
exit(code ?? 0);
