import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { DASHBOARD_SCRIPT, DASHBOARD_STYLE } from './page-assets.generated.js';

const BUILD = fileURLToPath(new URL('./page/build.js', import.meta.url));

describe('the committed page bundle', () => {
  it('is what the page sources build to today', async () => {
    const run = promisify(execFile)(process.execPath, [BUILD, '--check']);

    await expect(run).resolves.toMatchObject({ stderr: '' });
  });

  it('carries uPlot and its licence notice, and loads nothing from elsewhere', () => {
    expect(DASHBOARD_SCRIPT).toContain('Includes uPlot');
    expect(DASHBOARD_STYLE).toContain('.uplot');
    expect(DASHBOARD_SCRIPT).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(DASHBOARD_STYLE).not.toMatch(/url\(|@import/);
  });
});
