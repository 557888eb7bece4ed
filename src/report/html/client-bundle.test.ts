/**
 * The page's inline script is the client under html/client/ bundled by scripts/build-client.mjs; the bundle is
 * committed (client-bundle.ts) so the sources run without a build step. These tests fail when it is stale.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CLIENT_MODULE, bundleClient, clientModule } from '../../../scripts/build-client.mjs';
import { CLIENT_SCRIPT } from './client-bundle.ts';

describe('the report page client bundle', () => {
  it('is a fresh bundle of html/client/ (else run `npm run build:client`)', async () => {
    const fresh = await bundleClient();
    expect(CLIENT_SCRIPT).toBe(fresh);
    await expect(readFile(CLIENT_MODULE, 'utf8')).resolves.toBe(clientModule(fresh));
  });

  it('builds no markup from text and leaks no global', () => {
    // Everything it shows from the page (answers) goes in as text nodes; nothing is parsed as HTML or run as code.
    expect(CLIENT_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|eval\(|Function\(/,
    );
    expect(CLIENT_SCRIPT).toMatch(/^"use strict";\(\(\)=>\{[\s\S]*\}\)\(\);$/);
  });
});
