/**
 * @module dashboard/page/build
 * Bundles the dashboard page (these sources and uPlot) with esbuild into
 * `../page-assets.generated.ts`, two string constants the relay serves. The bundle is committed:
 * the relay needs no build step of its own beyond `tsc`, tests run it from source, the published
 * package carries it inside `dist`, and nothing is fetched from a CDN at run time.
 *
 *   node packages/relay/src/dashboard/page/build.js          # regenerate after editing the page
 *   node packages/relay/src/dashboard/page/build.js --check  # exit 1 when the file is stale
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { format, resolveConfig } from 'prettier';

const here = fileURLToPath(new URL('.', import.meta.url));
const entry = `${here}main.js`;
const output = fileURLToPath(new URL('../page-assets.generated.ts', import.meta.url));

/**
 * The bundled script and style.
 *
 * @returns {Promise<{ script: string, style: string }>}
 */
export async function bundlePage() {
  const uplot = JSON.parse(
    await readFile(new URL(import.meta.resolve('uplot/package.json')), 'utf8'),
  );
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    write: false,
    outdir: 'out',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
    banner: {
      js: `/*! pinterest-capi dashboard. Includes uPlot ${uplot.version} (MIT License, Copyright (c) 2022 Leon Sorokin) */`,
      css: `/*! pinterest-capi dashboard. Includes uPlot's stylesheet (MIT License, Copyright (c) 2022 Leon Sorokin) */`,
    },
  });
  const text = (/** @type {string} */ extension) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(extension));
    if (!file) throw new Error(`esbuild produced no ${extension} file`);
    return file.text.trim();
  };

  return { script: text('.js'), style: text('.css') };
}

/** The generated module's text, formatted as the repository's Prettier settings want. */
export async function renderModule() {
  const { script, style } = await bundlePage();
  const source = `/**
 * @module dashboard/page-assets.generated
 * GENERATED from \`page/\` by \`node packages/relay/src/dashboard/page/build.js\`: do not edit.
 * The dashboard's script and stylesheet, bundled and minified, served by \`routes.ts\`.
 */

/** The page's script (an IIFE), with uPlot inside. */
export const DASHBOARD_SCRIPT = ${JSON.stringify(script)};

/** The page's stylesheet, uPlot's included. */
export const DASHBOARD_STYLE = ${JSON.stringify(style)};
`;
  const config = (await resolveConfig(output)) ?? {};
  return format(source, { ...config, filepath: output });
}

async function main() {
  const fresh = await renderModule();
  if (process.argv.includes('--check')) {
    const current = await readFile(output, 'utf8').catch(() => '');
    if (current !== fresh) {
      console.error(
        'page-assets.generated.ts is stale: run node packages/relay/src/dashboard/page/build.js',
      );
      process.exitCode = 1;
    }

    return;
  }

  await writeFile(output, fresh);
  console.log(`wrote ${output} (${Math.round(fresh.length / 1024)} KiB)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
