export type Ini = Map<string, Map<string, string>>;
export declare function findRepoRoot(from?: string): string;
export declare const repoRoot: string;
export declare function parseIni(text: string): Ini;
export declare function option(ini: Ini, env: string, name: string, depth?: number): string | undefined;
export declare function defines(flags: string): Map<string, string>;
export declare function loadIni(root?: string): Ini;
export declare function envNames(ini: Ini): string[];
export declare function envDefines(ini: Ini, env: string): Map<string, string> | null;
