// Headless Chromium for the browser suites: Debian's /usr/bin/chromium driven by
// playwright-core, which never downloads a browser of its own.
//
// Not a test file itself (tests/api/js.rs runs only the `*.test.mjs` files).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium on a fresh profile directory: `{ context, profile }`. */
export async function startBrowser() {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: this test needs Debian's chromium package ` +
      '(apt-get install -y --no-install-recommends chromium); tests/api/js.rs installs it',
  );
  const profile = mkdtempSync(join(tmpdir(), 'newsgraph-chromium-'));
  // playwright refuses `--user-data-dir` in `args`; a persistent context is the way to pass it.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  return { context, profile };
}

/** Closes what `startBrowser` opened and removes its profile. */
export async function stopBrowser(b) {
  if (!b) return;
  await b.context.close().catch(() => {});
  rmSync(b.profile, { recursive: true, force: true });
}
