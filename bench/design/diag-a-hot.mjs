// Diagnosis only (not for numbers): a prototype-holder cell (design A6) swapped
// 100 times with the stand-in running hot between swaps.
//   node --allow-natives-syntax bench/design/diag-a-hot.mjs [plain|prime]
// Prints fast/dictionary state of the holder and the optimisation status of
// the stand-in and the loop after each swap.
const mode = process.argv[2] || 'plain';
const status = (f) => {
  const s = %GetOptimizationStatus(f);
  return (s & 32) ? 'TF' : (s & 16) ? 'opt' : (s & 8192) ? 'maglev' : (s & 2048) ? 'interp?' : 'x' + s.toString(16);
};
function mk(v) { return new Function('a', 'b', `return a + b + ${v} - ${v}`) }
const cell = Object.create({ t: mk(0) });
function add(...a) { return cell.t.apply(this, a) }
function loop(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + add(i & 1023, 1)) | 0; return s }
function prime(o) { const t = Object.create(o); for (let i = 0; i < 32; i++) if (t.__missing__ !== undefined) throw 0 }
function time(n) { const t0 = process.hrtime.bigint(); loop(n); return Number(process.hrtime.bigint() - t0) / n }
loop(1e6);
for (let v = 1; v <= 100; v++) {
  const holder = { t: mk(v) };
  if (mode === 'prime') prime(holder);
  Object.setPrototypeOf(cell, holder);
  loop(3e5);
  if (v <= 8 || v % 10 === 0) {
    const ns = time(2e6);
    console.log(`swap ${v}: holder ${%HasFastProperties(holder) ? 'fast' : 'DICT'} cell ${%HasFastProperties(cell) ? 'fast' : 'DICT'} add:${status(add)} loop:${status(loop)} ${ns.toFixed(2)} ns`);
  }
}
