import { chromium, type Browser } from 'playwright-core';

/**
 * The headless Chromium the dashboard tests drive (`CHROMIUM_PATH`, else the distribution's
 * `/usr/bin/chromium`), without the background traffic a desktop browser starts.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
