// Hooks over <MoteProvider>: useMote() for the client, useMoteModel() to load a model for a component.
import { useContext, useEffect, useState } from 'react';
import type { LoadOptions, MoteModelHandle } from './client.js';
import { MoteContext, type MoteContextValue } from './MoteProvider.js';
import { type ModelSource, resolveModelSource } from './source.js';

/** The Mote client of the nearest <MoteProvider>. */
export function useMote(): MoteContextValue & { load(source: ModelSource, opts?: LoadOptions): Promise<MoteModelHandle> } {
  const ctx = useContext(MoteContext);
  if (!ctx) throw new Error('mote: useMote() must be called inside <MoteProvider>');
  return { ...ctx, load: async (source, opts) => ctx.client.load(await resolveModelSource(source), opts) };
}

export interface UseMoteModel {
  model: MoteModelHandle | undefined;
  error: Error | undefined;
  loading: boolean;
}

/**
 * Loads `source` once the page is ready and unloads it when the component unmounts or the source
 * changes. Pass a stable source (useMemo, or a module-level constant): a new object reloads.
 */
export function useMoteModel(source: ModelSource | null | undefined, opts?: LoadOptions): UseMoteModel {
  const { client, load } = useMote();
  const [state, setState] = useState<UseMoteModel>({ model: undefined, error: undefined, loading: !!source });
  const build = opts?.build;
  const name = opts?.name;
  const handle = opts?.handle;

  useEffect(() => {
    if (!source) {
      setState({ model: undefined, error: undefined, loading: false });
      return;
    }
    let live = true;
    let loaded: MoteModelHandle | undefined;
    setState({ model: undefined, error: undefined, loading: true });
    load(source, { build, name, handle }).then(
      (m) => {
        loaded = m;
        if (live) setState({ model: m, error: undefined, loading: false });
        else void m.unload().catch(() => {});
      },
      (e: Error) => live && setState({ model: undefined, error: e, loading: false }),
    );
    return () => {
      live = false;
      if (loaded) void loaded.unload().catch(() => {});
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, source, build, name, handle]);

  return state;
}
