export declare function importTs(entry: string): Promise<Record<string, unknown>>;
