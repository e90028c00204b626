/**
 * @module cli/version
 * `pinterest-capi --version`: the package version and the Pinterest v5 spec version this build was
 * made against, since Pinterest changes v5 without a version header (facts §7).
 */
import { createRequire } from 'node:module';

import { pinnedSpecVersion } from '../setup/spec.js';

/** `pinterest-capi 0.1.0 (Pinterest API v5 spec 5.23.0)`, with a newline. */
export function versionLine(): string {
  // The same relative path from src/cli and dist/cli.
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return `pinterest-capi ${pkg.version} (Pinterest API v5 spec ${pinnedSpecVersion()})\n`;
}
