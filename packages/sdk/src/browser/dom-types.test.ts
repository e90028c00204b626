/**
 * The browser entry declares the page objects it uses structurally, so it needs no DOM lib. This
 * checks the other side of that choice: compiled with the DOM lib and without Node's types, a page
 * that passes the real `document`, `location`, `localStorage`, a form and `fetch` type-checks.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('./index.js', import.meta.url));
const PAGE = fileURLToPath(new URL('./__page__.ts', import.meta.url));
const WRONG_PAGE = fileURLToPath(new URL('./__wrong_page__.ts', import.meta.url));

const PAGE_SOURCE = `
import {
  checkoutIds, fillHiddenFields, getCheckoutEventId, getClickId, stripeMetadata,
  syncShopifyCart, trackCheckout, wooFormFields,
} from ${JSON.stringify(ENTRY)};

const form = document.querySelector('form');
if (form) fillHiddenFields(form, wooFormFields(checkoutIds({ key: 'cart-1' })));
getCheckoutEventId({ env: { document, location, storage: window.localStorage } });
getClickId({ env: { storage: sessionStorage }, cookieDomain: 'example.com' });
const metadata: Record<string, string> = stripeMetadata(checkoutIds());
void syncShopifyCart({ fetch: window.fetch.bind(window) }).then((ids) => ids.event_id);
trackCheckout({ order_id: 1001, value: 10, line_items: [{ product_id: 'A', product_quantity: 1 }] });
console.log(metadata);
`;

const WRONG_PAGE_SOURCE = `
import { fillHiddenFields } from ${JSON.stringify(ENTRY)};
fillHiddenFields(document.body, {});
`;

/** Compiles both pages in one program (the DOM lib is slow to load) and groups the problems. */
function diagnosticsByPage(pages: Map<string, string>): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (path) => pages.get(path) ?? readFile(path);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (path) => pages.has(path) || fileExists(path);
  const program = ts.createProgram([...pages.keys()], options, host);
  const found = new Map<string, string[]>();

  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName ?? '(global)';
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    found.set(file, [...(found.get(file) ?? []), text]);
  }

  return found;
}

let diagnostics: Map<string, string[]>;

beforeAll(() => {
  diagnostics = diagnosticsByPage(
    new Map([
      [PAGE, PAGE_SOURCE],
      [WRONG_PAGE, WRONG_PAGE_SOURCE],
    ]),
  );
});

describe('the browser entry under the DOM lib', () => {
  it('type-checks without Node types and accepts the real page objects', () => {
    expect([...diagnostics.keys()]).toEqual([WRONG_PAGE]);
  });

  it('reports a page that passes the wrong object, so the check above can fail', () => {
    expect(diagnostics.get(WRONG_PAGE)?.join('\n')).toContain(
      "Argument of type 'HTMLElement' is not assignable to parameter of type 'FormLike'",
    );
  });
});
