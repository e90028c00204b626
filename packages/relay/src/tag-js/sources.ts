/**
 * @module tag-js/sources
 * Reads the SDK's browser entry and links it into the `/tag.js` script. A built relay reads the
 * SDK's compiled `dist/browser`; a relay run from its TypeScript sources (the tests) compiles the
 * SDK's `src/browser` on the fly, so a change to the browser code needs no rebuild to be tested.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { linkClassicScript } from './link.js';

/** The global `/tag.js` defines. */
export const TAG_JS_GLOBAL = 'pinterestCapi';

/** The script and its fingerprint. */
export interface TagScript {
  body: string;
  /** base64url SHA-256 of `body`. */
  digest: string;
}

/**
 * Builds `/tag.js` from the installed `@pinterest-capi/sdk`.
 * @throws Error when the SDK's browser entry cannot be read or linked.
 */
export async function buildTagScript(): Promise<TagScript> {
  const sdkRoot = dirname(
    createRequire(import.meta.url).resolve('@pinterest-capi/sdk/package.json'),
  );
  const fromSources = import.meta.url.endsWith('.ts');
  const modules = fromSources
    ? await compileSources(join(sdkRoot, 'src', 'browser'))
    : await readCompiled(join(sdkRoot, 'dist', 'browser'));
  const body = linkClassicScript({
    modules,
    globalName: TAG_JS_GLOBAL,
    banner: '@pinterest-capi/sdk/browser as a classic script: window.pinterestCapi (MIT)',
  });
  return { body, digest: createHash('sha256').update(body).digest('base64url') };
}

async function readCompiled(dir: string): Promise<Map<string, string>> {
  let files: string[];

  try {
    files = (await readdir(dir)).filter((file) => file.endsWith('.js'));
  } catch {
    throw new Error(`cannot build /tag.js: ${dir} is missing; build the SDK (npm run build)`);
  }

  const texts = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  return new Map(files.map((file, index) => [file, texts[index] ?? '']));
}

async function compileSources(dir: string): Promise<Map<string, string>> {
  // A development dependency: only reached when the relay itself runs from TypeScript.
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  const files = (await readdir(dir)).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'),
  );
  const modules = new Map<string, string>();

  for (const file of files) {
    const source = await readFile(join(dir, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    modules.set(file.replace(/\.ts$/, '.js'), outputText);
  }

  return modules;
}
