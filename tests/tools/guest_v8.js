// guest_v8.js — runs a kube-scheduler-wasm-extension guest under V8
// (Node's WebAssembly + node:wasi) with a minimal host, to tell guest bugs
// from schedlab runtime bugs by differential execution.
//
//   build/release/tools/pb_encode pod pod.json > pod.bin
//   node tests/tools/guest_v8.js GUEST.wasm pod.bin nodelist.bin NODE [IMAGE_STATES_JSON]
//
// Calls _start, prefilter (if exported), then score and filter (if
// exported) for NODE and prints the packed results and any status reason.
// nodelist.bin: a NodeList as src/wasmplugin encodes it (k8s.io/api.nodeList);
// k8s.io/api.node answers "not found". Found this way (2026-12-06):
// upstream examples/imagelocality scores 2 under V8 but traps with
// "panic: reflect: call of Elem on func Value" on schedlab's runtime as soon
// as nodeImageStates returns a non-empty map (TinyGo json.Unmarshal into
// map[string]*ImageStateSummary) — a runtime bug to chase in src/wasm.
'use strict';
const fs = require('fs');
const { WASI } = require('node:wasi');
const [guest, podPath, listPath, node, images] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [], env: {} });
const pod = fs.readFileSync(podPath), nodelist = fs.readFileSync(listPath);
const imageStates = Buffer.from(images || '{}');
let mem;
const out = (buf, lim, data) => {
  if (data.length && data.length <= lim) new Uint8Array(mem.buffer).set(data, buf);
  return data.length;
};
const str = (p, n) => Buffer.from(mem.buffer, p, n).toString();
const sched = {
  get_config: () => 0, currentPod: (b, l) => out(b, l, pod), targetPod: () => 0,
  currentNodeName: (b, l) => out(b, l, Buffer.from(node)), filteredNodeList: (b, l) => out(b, l, Buffer.from('[]')),
  nodeToStatusMap: (b, l) => out(b, l, Buffer.from('{}')), nodeScoreList: (b, l) => out(b, l, Buffer.from('{}')),
  nodeImageStates: (p, n, b, l) => out(b, l, imageStates),
  'result.status_reason': (p, n) => console.log('reason:', str(p, n)),
  'result.node_names': () => {}, 'result.nominated_node_name': () => {}, 'result.normalized_score_list': () => {},
  'result.cluster_events': () => {}, 'handle.eventrecorder.eventf': (p, n) => console.log('event:', str(p, n)),
  'handle.reject_waiting_pod': () => {}, 'handle.get_waiting_pod': () => {},
};
const api = { node: () => 0, nodeList: (b, l) => out(b, l, nodelist) };
const klog = { severity: () => 0, log: (s, p, n) => console.log('klog:', str(p, n).trim()), logs: (s, p, n) => console.log('klog:', str(p, n)) };
const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(guest)),
  { wasi_snapshot_preview1: wasi.wasiImport, 'k8s.io/scheduler': sched, 'k8s.io/api': api, 'k8s.io/klog': klog });
mem = inst.exports.memory;
try { wasi.start(inst); } catch (e) { console.log('_start:', e.message); }
const call = (name, fn) => { try { fn(); } catch (e) { console.log(name, 'trapped:', e.message); } };
if (inst.exports.prefilter) call('prefilter', () => console.log('prefilter code', inst.exports.prefilter()));
if (inst.exports.score) call('score', () => {
  const r = inst.exports.score();
  console.log('score', Number(BigInt.asIntN(32, r >> 32n)), 'code', Number(BigInt.asIntN(32, r)));
});
if (inst.exports.filter) call('filter', () => console.log('filter code', inst.exports.filter()));
