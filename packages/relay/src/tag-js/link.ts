/**
 * @module tag-js/link
 * Links the SDK's browser entry (ES modules, as tsc emits them) into one classic script that sets
 * a global, for stores that add a `<script src>` tag instead of bundling. It understands only the
 * module syntax that entry uses (named imports, `export function|const|let|class`, named
 * re-exports) and throws on anything else, so a new construct fails the build's tests instead of
 * producing a broken script.
 */

/** Input of {@link linkClassicScript}. */
export interface LinkInput {
  /** Module text by file name, e.g. `index.js` → its ES module source. */
  modules: ReadonlyMap<string, string>;
  /** @default 'index.js' */
  entry?: string;
  /** The global the entry's exports are set on. */
  globalName: string;
  /** A comment put at the top of the script. */
  banner?: string;
}

interface ParsedModule {
  file: string;
  body: string;
  imports: { from: string; names: [imported: string, local: string][] }[];
  /** Exported name → local name, or a reference into another module. */
  exports: Map<string, { local: string } | { from: string; imported: string }>;
}

const IMPORT = /^import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"];?[ \t]*$/gm;
const RE_EXPORT = /^export\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"];?[ \t]*$/gm;
const EXPORT_LIST = /^export\s+\{([^}]*)\};?[ \t]*$/gm;
const EXPORT_DECLARATION = /^export\s+((?:async\s+)?function\*?|const|let|var|class)\s+([\w$]+)/gm;
const SOURCE_MAP = /^\/\/# sourceMappingURL=.*$/gm;
const LEFTOVER = /^(import|export)\b.*$/m;

/**
 * One classic script: each module becomes a function scope, run in dependency order, and the
 * entry's exports are set, frozen, on `globalThis[globalName]`.
 * @throws Error naming the file and line for syntax it cannot link, a missing module or a cycle.
 */
export function linkClassicScript(input: LinkInput): string {
  const order = dependencyOrder(input.modules, input.entry ?? 'index.js');
  const varOf = new Map(order.map((module, index) => [module.file, `__module${index}`]));
  const parts = order.map((module) => emitModule(module, varOf));
  const entryVar = varOf.get(input.entry ?? 'index.js') ?? '';
  const banner =
    input.banner === undefined ? '' : `/*! ${input.banner.replaceAll('*/', '* /')} */\n`;
  return (
    `${banner}(function () {\n'use strict';\n${parts.join('\n')}\n` +
    `globalThis[${JSON.stringify(input.globalName)}] = Object.freeze(${entryVar});\n})();\n`
  );
}

function dependencyOrder(modules: ReadonlyMap<string, string>, entry: string): ParsedModule[] {
  const done = new Map<string, ParsedModule>();
  const visiting = new Set<string>();

  const visit = (file: string, from: string | undefined): void => {
    if (done.has(file)) return;
    if (visiting.has(file)) throw new Error(`${file}: import cycle through ${from ?? file}`);
    const text = modules.get(file);
    if (text === undefined) throw new Error(`${from ?? 'entry'}: module ${file} not found`);
    visiting.add(file);
    const parsed = parseModule(file, text);
    for (const dependency of dependenciesOf(parsed)) visit(dependency, file);
    visiting.delete(file);
    done.set(file, parsed);
  };

  visit(entry, undefined);
  return [...done.values()];
}

function dependenciesOf(module: ParsedModule): string[] {
  const fromExports = [...module.exports.values()].flatMap((target) =>
    'from' in target ? [target.from] : [],
  );
  return [...new Set([...module.imports.map((entry) => entry.from), ...fromExports])];
}

function parseModule(file: string, text: string): ParsedModule {
  const module: ParsedModule = { file, body: '', imports: [], exports: new Map() };
  let body = text.replace(SOURCE_MAP, '');

  body = body.replace(IMPORT, (_line, isType: string | undefined, list: string, from: string) => {
    if (!isType) module.imports.push({ from: resolveFile(file, from), names: specifiers(list) });
    return '';
  });
  body = body.replace(
    RE_EXPORT,
    (_line, isType: string | undefined, list: string, from: string) => {
      if (isType) return '';
      for (const [imported, exported] of specifiers(list)) {
        module.exports.set(exported, { from: resolveFile(file, from), imported });
      }

      return '';
    },
  );
  body = body.replace(EXPORT_LIST, (_line, list: string) => {
    for (const [local, exported] of specifiers(list)) module.exports.set(exported, { local });
    return '';
  });
  body = body.replace(EXPORT_DECLARATION, (_line, keyword: string, name: string) => {
    module.exports.set(name, { local: name });
    return `${keyword} ${name}`;
  });

  const leftover = LEFTOVER.exec(body);
  if (leftover) throw new Error(`${file}: cannot link "${leftover[0].trim()}"`);
  module.body = body.trim();
  return module;
}

/** `a, b as c, type D` → [['a', 'a'], ['b', 'c']]: type-only names are dropped. */
function specifiers(list: string): [string, string][] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('type '))
    .map((item) => {
      const [name = '', alias] = item.split(/\s+as\s+/);
      return [name, alias ?? name];
    });
}

/** Only sibling modules (`./x.js`) are linked: the browser entry has no dependencies. */
function resolveFile(file: string, specifier: string): string {
  const match = /^\.\/([\w.-]+\.js)$/.exec(specifier);
  if (!match?.[1]) throw new Error(`${file}: cannot link an import of "${specifier}"`);
  return match[1];
}

function emitModule(module: ParsedModule, varOf: Map<string, string>): string {
  const imports = module.imports.map(({ from, names }) => {
    const bindings = names.map(([imported, local]) =>
      imported === local ? imported : `${imported}: ${local}`,
    );
    return `const { ${bindings.join(', ')} } = ${varOf.get(from) ?? ''};`;
  });
  const exported = [...module.exports].map(([name, target]) => {
    const value =
      'local' in target ? target.local : `${varOf.get(target.from) ?? ''}.${target.imported}`;
    return `${JSON.stringify(name)}: ${value}`;
  });
  return [
    `// ${module.file}`,
    `var ${varOf.get(module.file) ?? ''} = (function () {`,
    ...imports,
    module.body,
    `return { ${exported.join(', ')} };`,
    '})();',
  ].join('\n');
}
