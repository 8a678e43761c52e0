// Where a model comes from in an app: a bundled asset (require('./model.mote')), a URL or file URI,
// raw bytes, or base64 text (e.g. from expo-file-system's readAsStringAsync(..., { encoding: 'base64' })).
import { Image } from 'react-native';

export type ModelSource = { base64: string } | { bytes: Uint8Array } | { uri: string } | { asset: number };

function describe(src: unknown): string {
  try {
    return JSON.stringify(src).slice(0, 80);
  } catch {
    return String(src);
  }
}

/** The blob's bytes, or its base64 text (passed through untouched: the bridge carries base64 anyway). */
export async function resolveModelSource(src: ModelSource): Promise<Uint8Array | string> {
  if (!src || typeof src !== 'object') throw new Error(`mote: a model source must be { asset }, { uri }, { bytes } or { base64 }, got ${describe(src)}`);
  if ('base64' in src) return src.base64;
  if ('bytes' in src) return src.bytes;
  let uri: string | undefined;
  if ('asset' in src) {
    // Metro must treat .mote as an asset: add 'mote' to resolver.assetExts in metro.config.js.
    uri = Image.resolveAssetSource(src.asset)?.uri;
    if (!uri) throw new Error(`mote: asset ${String(src.asset)} did not resolve to a URI (is 'mote' in Metro's resolver.assetExts?)`);
  } else if ('uri' in src) {
    uri = src.uri;
  }
  if (!uri) throw new Error(`mote: a model source must be { asset }, { uri }, { bytes } or { base64 }, got ${describe(src)}`);
  const res = await fetch(uri);
  if (!res.ok) throw new Error(`mote: fetching the model from ${uri} failed: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
