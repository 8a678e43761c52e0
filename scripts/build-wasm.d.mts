// Types for scripts/build-wasm.mjs (imported by tests and scripts/build.mjs).
export declare const BUILDS: { simd: 'simd'; scalar: 'scalar' };
export declare function buildWasm(build: 'simd' | 'scalar', opts?: { outDir?: string; text?: boolean }): Promise<string>;
export declare function buildAll(opts?: { outDir?: string; text?: boolean }): Promise<string[]>;
