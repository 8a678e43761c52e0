// <MoteProvider> hosts the Mote page in a hidden WebView and gives its subtree a MoteClient through
// context (read it with useMote()). One WebView serves every model of the app.
import React, { createContext, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { StyleSheet, View } from 'react-native';
import { WebView, type WebViewMessageEvent } from 'react-native-webview';
import { MOTE_PAGE_HTML } from '../dist/mote-page-html.js';
import { MoteClient } from './client.js';
import type { ReadyMessage } from './protocol.js';

export interface MoteContextValue {
  /** The client of the current WebView (a new one after the WebView's process is restarted). */
  client: MoteClient;
  /** The page's ready message once it has started (SIMD or not, startup timings). */
  ready: ReadyMessage | undefined;
  /** The last fatal page error (failed start, WebView process gone). */
  error: Error | undefined;
}

export const MoteContext = createContext<MoteContextValue | undefined>(undefined);

export interface MoteProviderProps {
  children?: ReactNode;
  /** The page to host; defaults to the built page with both runtimes inlined. */
  html?: string;
  /** Pretend the WebView has no WebAssembly SIMD (the page then uses the scalar build). */
  disableSimd?: boolean;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  onReady?(ready: ReadyMessage): void;
  onError?(error: Error): void;
}

export function MoteProvider({ children, html = MOTE_PAGE_HTML, disableSimd = false, timeoutMs, onReady, onError }: MoteProviderProps): React.JSX.Element {
  const webView = useRef<WebView>(null);
  const [generation, setGeneration] = useState(0);
  const [ready, setReady] = useState<ReadyMessage | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  // Callbacks through refs: inline arrows must neither re-run the effects nor fire twice.
  const callbacks = useRef({ onReady, onError });
  callbacks.current = { onReady, onError };

  // One client per WebView generation: a restarted WebView has lost every loaded model. The client
  // is not closed in an effect cleanup (StrictMode runs cleanups on a live component); a replaced
  // client is closed by restart(), and requests left pending at unmount end by their timeout.
  const client = useMemo(
    () => new MoteClient((text) => webView.current?.postMessage(text), { timeoutMs }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [generation, timeoutMs],
  );
  const clientRef = useRef(client);
  clientRef.current = client;

  useEffect(() => {
    let live = true;
    client.ready.then(
      (r) => {
        if (!live) return;
        setReady(r);
        callbacks.current.onReady?.(r);
      },
      (e: Error) => {
        if (!live) return;
        setError(e);
        callbacks.current.onError?.(e);
      },
    );
    return () => {
      live = false;
    };
  }, [client]);

  const onMessage = useCallback((e: WebViewMessageEvent) => clientRef.current.receive(e.nativeEvent.data), []);

  const restart = useCallback((why: string) => {
    const e = new Error(`mote: ${why}; models must be loaded again`);
    clientRef.current.close(e.message);
    setError(e);
    setReady(undefined);
    callbacks.current.onError?.(e);
    setGeneration((g) => g + 1);
  }, []);

  const source = useMemo(() => ({ html }), [html]);
  const value = useMemo(() => ({ client, ready, error }), [client, ready, error]);

  return (
    <MoteContext.Provider value={value}>
      {children}
      <View style={styles.hidden} pointerEvents="none">
        <WebView
          key={generation}
          ref={webView}
          source={source}
          originWhitelist={['*']}
          javaScriptEnabled
          injectedJavaScriptBeforeContentLoaded={disableSimd ? 'window.MOTE_DISABLE_SIMD = true; true;' : undefined}
          onMessage={onMessage}
          onContentProcessDidTerminate={() => restart('the WebView content process terminated (iOS)')}
          onRenderProcessGone={() => restart('the WebView render process is gone (Android)')}
        />
      </View>
    </MoteContext.Provider>
  );
}

const styles = StyleSheet.create({
  hidden: { position: 'absolute', width: 1, height: 1, opacity: 0, overflow: 'hidden' },
});
