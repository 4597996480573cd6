// Drives the built dashboard in the machine's Chromium with playwright-core (no browser download):
// one browser per test file, a page per test, a screenshot per page under test-results/screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

/** A fresh page (its own context) that records the page's uncaught errors. */
export async function openPage(browser: Browser, url: string): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
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
