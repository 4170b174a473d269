#!/usr/bin/env node
// Regenerate the README screenshot (docs/viewer.png): the fixtures loaded, one SAL row inspected.
//   node tools/screenshot.mjs [OUT.png]
import { join } from 'node:path';
import { ROOT, fixtureFiles, loadFiles, openViewer, search } from '../tests/lib.mjs';

const out = process.argv[2] || join(ROOT, 'docs', 'viewer.png');
const v = await openViewer({ viewport: { width: 1600, height: 900 } });
try {
  await loadFiles(v.page, fixtureFiles());
  await v.page.locator('[data-testid=facet-operation][data-value="GetObject"]').click();
  await v.page.waitForFunction(() => document.querySelector('[data-testid=shown-count]').dataset.value !== document.querySelector('[data-testid=event-count]').dataset.value);
  // A SAL row with a referer and a user agent.
  const rows = v.page.locator('[data-testid=row]:not([hidden])');
  await rows.nth(24).click();
  await v.page.waitForSelector('[data-testid=sal-fields]');
  await v.page.waitForTimeout(300);
  await v.page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await v.close();
}
