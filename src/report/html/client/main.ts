/**
 * The report page's one script: bundled and minified by scripts/build-client.mjs into
 * `report/html/client-bundle.ts`, which the page inlines and allows by its hash in its Content-Security-Policy.
 * It adds no markup from data: whatever it shows from the page, it shows as text.
 */
import { followAnchors } from './anchors.ts';
import { compareTwoPicks } from './compare.ts';

followAnchors();
compareTwoPicks();
