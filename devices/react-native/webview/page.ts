// The script of the Mote page that runs inside react-native-webview (bundled by esbuild into one
// HTML file by scripts/build-page.ts, with both runtime builds inlined as base64).
//
// Requests arrive as 'message' events (iOS dispatches them on window, Android on document); replies
// go through window.ReactNativeWebView.postMessage, which react-native-webview injects (tests inject
// a shim with the same shape). Before anything else the page detects WebAssembly SIMD with a
// tiny module, so older iOS WebViews (Safari < 16.4) get the scalar build.
import { encodeResponse, isProtocolMessage, type MoteBuild } from '../src/protocol.js';
import { MoteEngine } from './engine.js';
import { detectSimd } from './simd.js';

/** Where a runtime build comes from: inlined base64 (the shipped page) or a URL (the raw variant). */
type WasmSource = { base64: string } | { url: string };

declare global {
  interface Window {
    /** Written by the page builder before this script. */
    __MOTE_WASM__?: Record<MoteBuild, WasmSource>;
    /** Set before the page loads (e.g. injectedJavaScriptBeforeContentLoaded) to pretend SIMD is absent. */
    MOTE_DISABLE_SIMD?: boolean;
    ReactNativeWebView?: { postMessage(message: string): void };
  }
}

/** Base64 → bytes with atob (present in every WebView), the fast path inside the page. */
function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const timings = { decodeMs: 0, compileMs: 0, readyMs: 0 };
const compiled = new Map<MoteBuild, Promise<WebAssembly.Module>>();

function module(build: MoteBuild): Promise<WebAssembly.Module> {
  let p = compiled.get(build);
  if (!p) {
    p = (async () => {
      const src = window.__MOTE_WASM__?.[build];
      if (!src) throw new Error(`mote page: the ${build} runtime is not part of this page`);
      const t0 = performance.now();
      const bytes = 'base64' in src ? decodeBase64(src.base64) : new Uint8Array(await (await fetch(src.url)).arrayBuffer());
      const t1 = performance.now();
      const mod = await WebAssembly.compile(bytes as BufferSource);
      timings.decodeMs += t1 - t0;
      timings.compileMs += performance.now() - t1;
      return mod;
    })();
    compiled.set(build, p);
    p.catch(() => compiled.delete(build)); // a failed fetch may be retried by the next load
  }
  return p;
}

function reply(text: string): void {
  const bridge = window.ReactNativeWebView;
  if (bridge) bridge.postMessage(text);
  else console.warn('mote page: no window.ReactNativeWebView to reply through', text.slice(0, 200));
}

async function start(): Promise<void> {
  const simd = !window.MOTE_DISABLE_SIMD && detectSimd();
  const engine = new MoteEngine({ module, simd, host: 'react-native', device: navigator.userAgent || undefined });
  const onMessage = (event: Event) => {
    const data = (event as MessageEvent).data;
    if (!isProtocolMessage(data)) return; // other traffic on the shared channel
    void engine.handle(data).then(reply);
  };
  window.addEventListener('message', onMessage);
  document.addEventListener('message', onMessage);
  try {
    await module(simd ? 'simd' : 'scalar'); // warm the default build so the first load is fast
  } catch (e) {
    reply(encodeResponse({ type: 'error', id: 0, code: 'INTERNAL', message: `mote page: ${(e as Error).message}` }));
    return;
  }
  timings.readyMs = performance.now();
  reply(encodeResponse({ type: 'ready', id: 0, simd, timings: { ...timings } }));
}

void start();
