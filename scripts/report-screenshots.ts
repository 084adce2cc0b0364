// Screenshots of a run's report.html for docs/experiments.md, taken in headless Chromium:
//   node --import tsx scripts/report-screenshots.ts runs/<id>/report.html docs/images
import path from 'node:path';
import { chromium } from 'playwright-core';

const [report, outDir = 'docs/images'] = process.argv.slice(2);
if (!report) throw new Error('usage: report-screenshots.ts <report.html> [out dir]');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`file://${path.resolve(report)}`);
  const shots: [string, string][] = [
    ['report-top.png', 'body > h1, body > .meta, #warnings, #metrics'],
    ['report-equity.png', '#equity-plot'],
    ['report-price.png', '#price-chart'],
    ['report-learning.png', '#learning-curves'],
  ];
  for (const [file, selector] of shots) {
    const boxes = await page.locator(selector).evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height })));
    if (boxes.length === 0) continue;
    const x = Math.max(0, Math.min(...boxes.map((b) => b.x)) - 8);
    const y = Math.max(0, Math.min(...boxes.map((b) => b.y)) - 8);
    const right = Math.max(...boxes.map((b) => b.x + b.w)) + 8;
    const bottom = Math.max(...boxes.map((b) => b.y + b.h)) + 8;
    await page.screenshot({ path: path.join(outDir, file), clip: { x, y, width: right - x, height: bottom - y }, fullPage: true });
    console.log(path.join(outDir, file));
  }
} finally {
  await browser.close();
}
