// __tests__/e2e/browser.test.ts
// The example's /studio.html in headless Chromium: a token from the app's route, the environment API called by the browser.
import { accessSync, constants } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type GrafxClient, createGrafxClient, tokenId } from 'express-grafx-auth';
import {
  DEFAULT_STAND_IN_CLIENT,
  DEFAULT_STAND_IN_TEMPLATES,
  type GrafxStandIn,
  startGrafxStandIn,
} from 'express-grafx-auth/testing';
import { createExampleApp } from '../../examples/app.js';
import { type Served, serve } from '../helpers/serve.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** No sandbox (CI runs as root), and nothing that would reach the network on its own. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const BROWSER_CLIENT = { clientId: 'stand-in-browser', clientSecret: 'stand-in-browser-secret' };
const TEMPLATE_NAMES = DEFAULT_STAND_IN_TEMPLATES.map(({ name }) => name);

const missing = chromiumMissing(CHROMIUM_PATH);
if (missing === undefined) {
  describe('the example page /studio.html in headless Chromium', () => {
    let standIn: GrafxStandIn;
    let client: GrafxClient;
    let app: Served;
    /** The example app without a browser integration: its token route is off. */
    let appWithoutRoute: Served;
    let browser: Browser;
    let page: Page;
    /** Every request the page sent to the token route, by method (and its query, if any). */
    const tokenRouteHits: string[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      standIn = await startGrafxStandIn({ clients: [DEFAULT_STAND_IN_CLIENT, BROWSER_CLIENT] });
      client = createGrafxClient({
        integrations: {
          main: { ...DEFAULT_STAND_IN_CLIENT, environment: 'demo' },
          reporting: { ...DEFAULT_STAND_IN_CLIENT, environment: 'demo-reporting' },
          browser: { ...BROWSER_CLIENT, environment: 'demo', browser: true },
        },
        tokenURL: standIn.tokenURL,
        apiBaseURL: (environment) => standIn.apiBaseURL(environment),
      });
      app = await serve(createExampleApp(client));
      const serverOnly = createGrafxClient({
        integrations: {
          main: { ...DEFAULT_STAND_IN_CLIENT, environment: 'demo' },
          reporting: { ...DEFAULT_STAND_IN_CLIENT, environment: 'demo-reporting' },
        },
        tokenURL: standIn.tokenURL,
        apiBaseURL: (environment) => standIn.apiBaseURL(environment),
      });
      appWithoutRoute = await serve(createExampleApp(serverOnly));
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
      page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/grafx/token') tokenRouteHits.push(`${request.method()}${url.search}`);
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
    }, 20_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await appWithoutRoute?.close();
      await standIn?.close();
    });

    /** Waits until the page has listed the templates `loads` times (or failed), and fails with its message. */
    async function waitForLoad(loads: number): Promise<void> {
      await page.waitForSelector(`body[data-loads="${loads}"][data-state="ready"], body[data-state="error"]`, {
        state: 'attached',
      });
      if ((await page.getAttribute('body', 'data-state')) !== 'ready') {
        throw new Error(`The page failed: ${await page.textContent('#status')} ${pageErrors.join(' | ')}`);
      }
    }

    it('gets a token from the route and lists the templates from the environment API itself', async () => {
      await page.goto(`${app.url}/studio.html`);
      await waitForLoad(1);
      expect(await page.locator('#templates li').allTextContents()).toEqual(TEMPLATE_NAMES);
      expect(tokenRouteHits).toEqual(['GET']);
      // The browser called the API with the browser integration's token; the app server never did (no proxy).
      expect(standIn.apiRequests).toEqual([
        expect.objectContaining({ method: 'GET', path: '/templates', clientId: BROWSER_CLIENT.clientId, status: 200 }),
      ]);
      expect(standIn.tokenRequests.map((request) => request.clientId)).toEqual([BROWSER_CLIENT.clientId]);
      expect(pageErrors).toEqual([]);
    });

    it('after the API refuses its token, tells the route which one (?refused=<tokenId>), gets a renewed one and lists again', async () => {
      const { tokensIssued, apiUnauthorized } = standIn.counts;
      const served = await client.context('browser');
      // The platform stops accepting the page's token, while the server's cache still holds it: the route renews
      // it because the page names it refused (asking plainly would get the refused token back).
      standIn.revokeTokens();
      tokenRouteHits.length = 0;

      await page.click('#reload');
      await waitForLoad(2);

      expect(await page.locator('#templates li').allTextContents()).toEqual(TEMPLATE_NAMES);
      expect(tokenRouteHits).toEqual([`GET?refused=${tokenId(served.token)}`]);
      expect((await client.context('browser')).token).not.toBe(served.token);
      expect(standIn.counts.apiUnauthorized).toBe(apiUnauthorized + 1);
      expect(standIn.counts.tokensIssued).toBe(tokensIssued + 1);
      expect(standIn.apiRequests.slice(-2).map((request) => request.status)).toEqual([401, 200]);
      expect(pageErrors.filter((text) => !text.includes('401'))).toEqual([]);
    });

    it('without a browser integration, says the token route is off and which variables turn it on', async () => {
      await page.goto(`${appWithoutRoute.url}/studio.html`);
      await page.waitForSelector('body[data-state="error"]', { state: 'attached' });
      const status = (await page.textContent('#status')) ?? '';
      expect(status).toContain('the token route is off');
      expect(status).toContain('GRAFX_BROWSER_CLIENT_ID and GRAFX_BROWSER_CLIENT_SECRET');
      expect(await page.locator('#templates li').count()).toBe(0);
    });
  });
} else if (process.env.CI === 'true') {
  it('needs Chromium (CI=true)', () => {
    throw new Error(missing);
  });
} else {
  console.warn(`browser.test.ts skipped: ${missing}`);
  it.skip(`drives /studio.html in Chromium (skipped: ${missing})`, () => undefined);
}

/** Why Chromium can't be launched from `path`, or undefined when it can. */
function chromiumMissing(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${path}: install it with \`apt-get install -y chromium\` (as .ci/run does), or set CHROMIUM_PATH`;
  }
}
