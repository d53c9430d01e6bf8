import type { IncomingMessage, ServerResponse } from 'node:http';

export declare function chromiumLaunchOptions(): { executablePath: string; args: string[] };
export declare function staticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => boolean;
export interface StaticServer {
  url: string;
  close(): Promise<void>;
}
export declare function serveStatic(root: string): Promise<StaticServer>;
