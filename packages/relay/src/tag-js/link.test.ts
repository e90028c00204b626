import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

import { linkClassicScript } from './link.js';

/** Runs a classic script in a fresh global and returns that global. */
function run(script: string): Record<string, unknown> {
  const global: Record<string, unknown> = {};
  runInNewContext(script, global);
  return global;
}

const modules = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('linkClassicScript', () => {
  it("sets the entry's exports, frozen, on the global", () => {
    const script = linkClassicScript({
      modules: modules({
        'index.js': "export { twice as double, NAME } from './math.js';\nexport const local = 1;",
        'math.js':
          "import { one } from './one.js';\nexport function twice(n) { return n * 2 * one; }\nexport const NAME = 'math';",
        'one.js': 'export const one = 1;\n//# sourceMappingURL=one.js.map',
      }),
      globalName: 'lib',
    });

    const lib = run(script)['lib'] as Record<string, unknown>;

    expect(Object.keys(lib).sort()).toEqual(['NAME', 'double', 'local']);
    expect((lib['double'] as (n: number) => number)(21)).toBe(42);
    expect(Object.isFrozen(lib)).toBe(true);
  });

  it('binds imports under their local names', () => {
    const script = linkClassicScript({
      modules: modules({
        'index.js':
          "import { value as v } from './a.js';\nconst hidden = v + 1;\nexport { hidden as answer };",
        'a.js': 'export let value = 41;',
      }),
      globalName: 'lib',
    });

    expect(run(script)['lib']).toEqual({ answer: 42 });
  });

  it('runs each module once, after the modules it imports', () => {
    const script = linkClassicScript({
      modules: modules({
        'index.js':
          "import { log } from './log.js';\nimport { b } from './b.js';\nexport const order = [...log, b];",
        'b.js': "import { log } from './log.js';\nlog.push('b');\nexport const b = 'b-done';",
        'log.js': "export const log = ['log'];",
      }),
      globalName: 'lib',
    });

    expect((run(script)['lib'] as { order: string[] }).order).toEqual(['log', 'b', 'b-done']);
  });

  it('drops type-only imports and exports', () => {
    const script = linkClassicScript({
      modules: modules({
        'index.js':
          "import type { T } from './t.js';\nexport type { T } from './t.js';\nexport { type U, x } from './x.js';",
        'x.js': 'export const x = 1;',
      }),
      globalName: 'lib',
    });

    expect(run(script)['lib']).toEqual({ x: 1 });
  });

  it('puts the banner in a comment that cannot be closed early', () => {
    const script = linkClassicScript({
      modules: modules({ 'index.js': 'export const x = 1;' }),
      globalName: 'lib',
      banner: 'v1 */ alert(1) /*',
    });

    expect(script.split('\n')[0]).toBe('/*! v1 * / alert(1) /* */');
    expect(run(script)['lib']).toEqual({ x: 1 });
  });

  it.each([
    ['export default 1;', 'index.js: cannot link "export default 1;"'],
    ["export * from './a.js';", `index.js: cannot link "export * from './a.js';"`],
    ["import * as a from './a.js';", `index.js: cannot link "import * as a from './a.js';"`],
    ["import { x } from 'left-pad';", 'index.js: cannot link an import of "left-pad"'],
    ["import { x } from './missing.js';", 'index.js: module missing.js not found'],
  ])('refuses %s', (source, message) => {
    expect(() =>
      linkClassicScript({ modules: modules({ 'index.js': source }), globalName: 'lib' }),
    ).toThrow(message);
  });

  it('refuses an import cycle', () => {
    const cyclic = modules({
      'index.js': "import { a } from './a.js';\nexport { a };",
      'a.js': "import { b } from './b.js';\nexport const a = b;",
      'b.js': "import { a } from './a.js';\nexport const b = a;",
    });

    expect(() => linkClassicScript({ modules: cyclic, globalName: 'lib' })).toThrow(
      'a.js: import cycle through b.js',
    );
  });
});
