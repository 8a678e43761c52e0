// Entry point of the Mote WASM runtime: the exports are the C ABI in abi.ts (docs/ABI.md).
export * from './abi';
