// Types for scripts/wasm-size.mjs (imported by test/wasm-build.test.ts).
export interface WasmSizes {
  total: number;
  sections: { name: string; bytes: number }[];
  functions: { name: string; bytes: number }[];
  segments: number;
  dataBytes: number;
  exports: number;
  named: boolean;
}
export declare function analyze(wasm: Uint8Array): WasmSizes;
export declare function sections(wasm: Uint8Array): { id: number; name: string; bytes: number; body: number; end: number }[];
export declare function sourceOf(name: string): string;
