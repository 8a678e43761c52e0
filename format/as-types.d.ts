// AssemblyScript's integer type names as TypeScript reads them, for the files in format/ that both
// compilers build (kernel-scratch.ts). AssemblyScript never reads this file.
declare type i32 = number;
