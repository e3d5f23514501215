import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { writeReport } from '../src/report/index.js';
import { makeSyntheticRun } from '../test/helpers/synthetic-work-dir.js';

function findChromium(): string {
  const candidates = [
    process.env.CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) {
    throw new Error(
      'no Chromium found: install it (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/chrome',
    );
  }
  return found;
}

it('the report renders in headless Chromium, with no network', async () => {
  const chromium = findChromium();
  const run = await makeSyntheticRun(11, 8);
  const html = await writeReport(run.workDir);
  const profile = mkdtempSync(join(tmpdir(), 'crat-chromium-'));
  const png = join(run.workDir, 'report.png');
  const res = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--hide-scrollbars',
      '--window-size=1360,4200',
      `--screenshot=${png}`,
      pathToFileURL(html).href,
    ],
    { encoding: 'utf8', timeout: 90_000 },
  );
  expect(existsSync(png), `chromium failed: ${res.stderr}`).toBe(true);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect(info.width).toBe(1360);
  // The page drew something: many distinct colours (charts, heat map, crops), not a blank page.
  const colours = new Set<number>();
  for (let i = 0; i < data.length; i += info.channels * 97)
    colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
  expect(colours.size).toBeGreaterThan(50);
  if (process.env.E2E_OUT) copyFileSync(png, process.env.E2E_OUT);
  console.log(`report screenshot: ${png}`);
});
