// Types for scripts/build-wasm.mjs (imported by tests and scripts/build.mjs).
export type WasmBuildName = 'simd' | 'scalar' | 'simd.stream' | 'scalar.stream';
export declare const BUILDS: { simd: 'simd'; scalar: 'scalar'; 'simd.stream': 'simd-stream'; 'scalar.stream': 'scalar-stream' };
export declare function buildWasm(build: WasmBuildName, opts?: { outDir?: string; text?: boolean; args?: string[] }): Promise<string>;
export declare function buildAll(opts?: { outDir?: string; text?: boolean }): Promise<string[]>;
/** asc's `readFile` hook for every compile of assembly/ sources (message literals become ASCII data). */
export declare function readSource(filename: string, baseDir: string): Promise<string | null>;
/** Message text coding (assembly/message.ts decodes it): phrases, then a canonical Huffman code. */
export interface TextCode {
  /** symbol -> [code, length in bits] */
  codes: Map<number, [number, number]>;
  /** 16 counts of codes of length 1..16, then the symbols in code order (message.ts codeTable). */
  table: number[];
}
export declare function messageLiterals(dir?: string): string[];
export declare function textDictionary(texts: string[]): string[];
export declare function textCode(texts: string[], phrases: string[]): TextCode;
export declare function textCoding(texts?: string[]): { phrases: string[]; code: TextCode };
export declare function encodeText(text: string, phrases: string[]): number[];
export declare function packSymbols(symbols: number[], code: TextCode): number[];
export declare function decodeText(bytes: number[], n: number, code: TextCode, phrases: string[]): string;
export declare function dictionaryBytes(phrases: string[], code: TextCode): number[];
