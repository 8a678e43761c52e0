// @mote-edge/react-native: run .mote models in a React Native app through a hidden WebView.
export { MoteProvider, MoteContext, type MoteProviderProps, type MoteContextValue } from './MoteProvider.js';
export { useMote, useMoteModel, type UseMoteModel } from './useMote.js';
export { MoteClient, MoteModelHandle, MoteRequestError, type LoadOptions, type MoteOutput, type ProfileResult, type RunResult } from './client.js';
export { type ModelSource, resolveModelSource } from './source.js';
export * from './protocol.js';
