export declare const TEST_USER: string;
export declare const TEST_PASSWORD: string;
export declare function findPostgresBin(): string | undefined;
export declare function ensurePostgres(): { available: true; bin: string } | { available: false; reason: string };
export interface TestPostgres {
  url: string;
  port: number;
  dataDir: string;
  stop(): void;
  kill(): void;
}
export declare function startPostgres(options?: { bin?: string; settings?: Record<string, string> }): Promise<TestPostgres>;
export declare function databaseUrl(url: string, database: string): string;
