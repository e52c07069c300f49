/**
 * The browser every e2e test, the UI benchmark and any screenshot tool drive: the Chromium that arrives with `npm ci`
 * (@sparticuz/chromium ships it compressed inside the npm package; it unpacks to the temp folder on first use), so
 * nothing outside npm is needed. A user who wants another Chromium names it: `LAZYTLB_CHROMIUM=/usr/bin/chromium`.
 */
import Sparticuz from '@sparticuz/chromium';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Flags of the packaged build that loosen the page's security or suit only serverless hosts: not wanted in tests. */
const DROPPED = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process', '--no-zygote']);
const COMMON = ['--disable-gpu', '--disable-quic', '--disable-sync'];

export interface BrowserChoice {
  executablePath: string;
  args: string[];
  /** Said in the test output: which browser ran. */
  description: string;
}

export async function chooseBrowser(): Promise<BrowserChoice> {
  const named = process.env.LAZYTLB_CHROMIUM;
  if (named) {
    if (!existsSync(named)) throw new Error(`LAZYTLB_CHROMIUM=${named}: no such file`);
    return { executablePath: named, args: COMMON, description: `${named} (from LAZYTLB_CHROMIUM)` };
  }
  const executablePath = await Sparticuz.executablePath();
  // Headless mode is playwright's to set; the packaged flags add their own `--headless='shell'`.
  const args = Sparticuz.args.filter((a) => !DROPPED.has(a) && !a.startsWith('--headless'));
  return { executablePath, args: [...args, ...COMMON], description: `@sparticuz/chromium (npm package, unpacked to ${executablePath})` };
}

let announced = false;

export async function launchChromium(): Promise<Browser> {
  const choice = await chooseBrowser();
  const browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args });
  if (!announced) {
    announced = true;
    process.stderr.write(`e2e browser: Chromium ${browser.version()}, ${choice.description}\n`);
  }
  return browser;
}
