import { test } from '@playwright/test';
import { openHarness } from './gpuPage';
test('probe', async ({ page }) => {
  await openHarness(page);
  for (const hasPlate of [true, false]) {
    const r = await page.evaluate((hp) => window.refineCases.refineSparse({ seed: 3, width: 45, height: 30, hasPlate: hp, selection: { mode: 'sampling', budget: 9, threshold: 0 } }), hasPlate);
    console.log(hasPlate, JSON.stringify({ ...r, full: { n: r.full.tiles.length, d: r.full.dispatch }, sparse: { ...r.sparse, tiles: r.sparse.tiles.join(',') } }));
  }
  for (const name of ['blend', 'shift', 'camouflage', 'uniformCamouflage', 'nearPlate15', 'nearPlate25', 'nearPlate26', 'guidedConstant', 'guidedStep'] as const) {
    const r = await page.evaluate((n) => window.refineCases.refineKnown(n), name);
    const out: string[] = [];
    for (const c of r.checks) {
      let max = 0; let where = '';
      c.expected.forEach((e, k) => { if (e === null) return; const d = Math.abs(r.alpha[k]! - e); if (d > max) { max = d; where = `(${k % r.width},${Math.floor(k / r.width)}) gpu ${r.alpha[k]} exp ${e} ref ${r.refAlpha[k]}`; } });
      out.push(`${c.label}: max ${max} tol ${c.tolerance} ${where}`);
    }
    for (const c of r.fgrChecks) {
      let max = 0; let where = '';
      c.expected.forEach((e, k) => { if (e === null) return; for (let ch = 0; ch < 3; ch++) { const d = Math.abs(r.fgr[k * 4 + ch]! - e[ch]!); if (d > max) { max = d; where = `(${k % r.width},${Math.floor(k / r.width)}) c${ch} gpu ${r.fgr[k * 4 + ch]}`; } } });
      out.push(`FGR ${c.label}: max ${max} tol ${c.tolerance} ${where}`);
    }
    let refMax = 0; r.alpha.forEach((a, k) => (refMax = Math.max(refMax, Math.abs(a - r.refAlpha[k]!))));
    console.log(name, 'refMax', refMax, 'fragile', r.refFragile, '\n  ' + out.join('\n  '));
  }
});
