// Drives the built dashboard in the machine's Chromium with playwright-core (no browser download):
// one browser per test file, a page per test, a screenshot per page under test-results/screenshots.
// A page can start signed in: the API key is put in the tab's sessionStorage before the app loads,
// where the dashboard's own sign-in would have put it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
// @ts-expect-error -- plain ESM script without types
import { launchChromium } from '../../scripts/lib/chromium.mjs';
import { ROOT } from './platform.js';

export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}

export interface DashboardPage {
  page: Page;
  /** Uncaught exceptions and console errors seen on the page (a healthy page has none). */
  errors: string[];
  /** Answers of 400 and above (some are expected, e.g. a rejected submission): `status method url`. */
  failedResponses: string[];
  close(): Promise<void>;
}

/** Where the dashboard keeps the signed-in API key (sessionStorage of the tab). */
export const KEY_STORAGE = 'anchorage.apiKey';

export interface OpenPageOptions {
  /** Sign the tab in with this API key (none: the sign-in page shows). */
  apiKey?: string;
}

/**
 * Puts `apiKey` into the tab's sessionStorage before the app's first load, as signing in would. Only
 * once per tab: after the app signs out, a reload stays signed out.
 */
export async function signInContext(context: BrowserContext, apiKey: string): Promise<void> {
  // No destructuring in the function: it runs in the page as transpiled, without the compiler's helpers.
  await context.addInitScript(
    (arg) => {
      const seeded = 'anchorage.test.seeded';
      if (window.sessionStorage.getItem(seeded)) return;
      window.sessionStorage.setItem(seeded, '1');
      window.sessionStorage.setItem(arg.storageKey, arg.key);
    },
    { storageKey: KEY_STORAGE, key: apiKey },
  );
}

/** A fresh page (its own context) that records the page's uncaught errors; signed in with `options.apiKey`. */
export async function openPage(browser: Browser, url: string, options: OpenPageOptions = {}): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  if (options.apiKey) await signInContext(context, options.apiKey);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  const failedResponses: string[] = [];
  page.on('console', (message) => {
    // The browser logs every non-2xx answer too; those are in failedResponses with their URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return { page, errors, failedResponses, close: () => context.close() };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // From the top, so the sticky header sits where it belongs in the full-page image.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Sets a range (or any) input the way a user would, so React's onChange sees it. */
export async function setInputValue(page: Page, testId: string, value: string): Promise<string> {
  return page.getByTestId(testId).evaluate((el, v) => {
    const input = el as HTMLInputElement;
    // React tracks the value it last rendered: go through the prototype setter, then fire the events.
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    return input.value;
  }, value);
}
