// Regenerates docs/screenshots/*.png from a running server: node screenshots.mjs URL
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const base = process.argv[2];
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');
const profile = mkdtempSync(join(tmpdir(), 'lbos-shots-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 900 },
});
const page = ctx.pages()[0] || await ctx.newPage();
const only = process.argv[3];
const shot = async (name) => { if (!only || only === name) await page.screenshot({ path: join(out, `${name}.png`) }); };
try {
  await page.goto(base);
  await page.waitForSelector('.entry');
  await shot('catalog');
  await page.goto(base + '#p=readers-writers/rw-lightswitch&m=0_2_2_3_4_0');
  await page.reload();
  await page.waitForSelector('.row button.thread');
  await shot('program');
  await page.goto(base + '#p=barrier/barrier-deadlock');
  await page.reload();
  await page.waitForSelector('.row button.thread');
  await page.click('#tab-check');
  await page.click('#run-check');
  await page.waitForSelector('#verdict');
  await shot('check');
  await page.click('#replay');
  await page.waitForSelector('.chip.current');
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(300);
  await shot('counterexample');
  await page.keyboard.press('End');
  await page.waitForTimeout(300);
  await page.click('#tab-trace');
  await page.waitForSelector('svg.diagram');
  await shot('trace-diagram');
  await page.click('#tab-edit');
  await page.click('#code');
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.type('mutex.wait(\n');
  await page.waitForSelector('.gutter .ln.err');
  await shot('editor-error');
  // The classroom layouts: a projector with every thread of Santa's problem on screen, a phone.
  await page.goto('about:blank');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(base + '#p=santa-claus/santa-fixed&m=0_1_3_4_5');
  await page.waitForSelector('.row button.thread');
  await page.waitForTimeout(300);
  await shot('projector');
  await page.goto('about:blank');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + '#p=concurrent-updates/updates-split&m=0_1_0_1&at=2');
  await page.waitForSelector('.row button.thread');
  await page.waitForTimeout(300);
  await shot('phone');
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
