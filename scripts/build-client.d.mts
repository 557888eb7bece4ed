// Types of scripts/build-client.mjs for the TypeScript that imports it (src/report/html/client-bundle.test.ts).
export const CLIENT_ENTRY: string;
export const CLIENT_MODULE: string;
export function bundleClient(): Promise<string>;
export function clientModule(script: string): string;
export function writeClientModule(): Promise<boolean>;
