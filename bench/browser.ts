/**
 * Headless Chromium for the viewer's browser tests, its benchmark and its screenshot: Debian's
 * `chromium` (apt-get install chromium) driven by playwright-core, which cannot download a
 * browser here. The flags keep the browser from reaching the network on its own (updates, sync,
 * QUIC probes), so a request seen by a test came from the page.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.BALLOON_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why the browser cannot run here, or null when it can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found: install Debian's chromium (apt-get update && apt-get install -y chromium) to run the viewer's browser tests`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
