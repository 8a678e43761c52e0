// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core, and
// a local HTTP server bound to 127.0.0.1 on a random port. Both are closed by the tests' afterAll.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  decodeResponse,
  encodeRequest,
  isProtocolMessage,
  type MoteRequest,
  type MoteRequestBody,
  type MoteResponse,
  type ReadyMessage,
} from '../devices/react-native/src/protocol.js';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

let warned = false;
/** Call from a describe block that needs Chromium; prints the notice once per file. */
export function noticeIfNoChromium(what: string): boolean {
  if (!haveChromium && !warned) {
    warned = true;
    console.warn(`[mote] SKIPPED ${what}: ${CHROMIUM} is missing (Debian: apt-get install chromium; npm test installs it as root).`);
  }
  return haveChromium;
}

export async function launchChromium(): Promise<Browser> {
  // launch() gives every browser a fresh temporary user-data-dir, removed on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
}

export interface Route {
  type: string;
  body: string | Uint8Array;
}

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/** Serves fixed routes on 127.0.0.1 (random port); anything else is a 404. */
export async function serveRoutes(routes: Record<string, Route>): Promise<LocalServer> {
  const server: Server = createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0]];
    if (!route || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' }).end(route.body);
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * The Mote WebView page opened in a tab, with `window.ReactNativeWebView` shimmed the way
 * react-native-webview injects it: requests go in as window 'message' events (iOS) or document ones
 * (Android), replies come out through ReactNativeWebView.postMessage.
 */
export class PageClient {
  private nextId = 1;
  private readonly pending = new Map<number, (r: MoteResponse) => void>();
  private readyWaiter!: Promise<ReadyMessage>;
  /** Every reply text, in arrival order. */
  readonly replies: string[] = [];

  private constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string, opts: { disableSimd?: boolean } = {}): Promise<PageClient> {
    const page = await browser.newPage();
    const client = new PageClient(page);
    let resolveReady!: (r: ReadyMessage) => void;
    let rejectReady!: (e: Error) => void;
    client.readyWaiter = new Promise<ReadyMessage>((ok, fail) => {
      resolveReady = ok;
      rejectReady = fail;
    });
    page.on('pageerror', (e) => rejectReady(new Error(`page error: ${e.message}`)));
    await page.exposeFunction('__moteReply', (text: string) => {
      client.replies.push(text);
      if (!isProtocolMessage(text)) return;
      const r = decodeResponse(text);
      if (r.type === 'ready') resolveReady(r);
      else if (r.type === 'error' && r.id === 0) rejectReady(new Error(`page failed to start: ${r.message}`));
      else client.pending.get(r.id)?.(r);
      client.pending.delete(r.id);
    });
    // As text, not a function: a transpiler's helpers (e.g. tsx's __name) do not exist in the page.
    await page.addInitScript({
      content:
        'window.ReactNativeWebView = { postMessage: function (s) { window.__moteReply(s); } };' +
        (opts.disableSimd ? ' window.MOTE_DISABLE_SIMD = true;' : ''),
    });
    await page.goto(url, { timeout: 30_000 });
    return client;
  }

  ready(timeoutMs = 30_000): Promise<ReadyMessage> {
    return withTimeout(this.readyWaiter, timeoutMs, 'the page never sent "ready"');
  }

  /** Sends a request (the id is assigned here unless given) and waits for its response. */
  async request(req: MoteRequestBody & { id?: number }, via: 'window' | 'document' = 'window'): Promise<MoteResponse> {
    const id = req.id ?? this.nextId++;
    return this.send(encodeRequest({ ...req, id } as MoteRequest), id, via);
  }

  /** Sends raw text and waits for the response with `id`. */
  async send(text: string, id: number, via: 'window' | 'document' = 'window'): Promise<MoteResponse> {
    const reply = new Promise<MoteResponse>((ok) => this.pending.set(id, ok));
    await this.page.evaluate(
      ([data, target]) => (target === 'window' ? window : document).dispatchEvent(new MessageEvent('message', { data })),
      [text, via] as const,
    );
    return withTimeout(reply, 30_000, `no response to request ${id}`);
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]);
}
