// The production build (tsconfig.prod.json, `npm run build:prod`) holds the product only: no
// stand-in, nothing from dev/ or test/, and every package it imports is a runtime dependency.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PRODUCT = ['src/', 'workflows/', 'activities/'];

/** Every project file the production build compiles: its include list and whatever those import. */
function productionFiles(): { included: string[]; compiled: ts.SourceFile[] } {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.prod.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  assert.ok(parsed, 'tsconfig.prod.json could not be read');
  assert.deepEqual(parsed.errors, [], 'tsconfig.prod.json has errors');
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const compiled = program.getSourceFiles().filter((f) => !f.fileName.includes('/node_modules/'));
  return { included: parsed.fileNames.map(rel), compiled };
}
const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

/** The package an import names ('@scope/name/sub' -> '@scope/name'), or undefined for a relative or built-in one. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('production build (tsconfig.prod.json)', () => {
  const { included, compiled } = productionFiles();
  const files = compiled.map((f) => rel(f.fileName));

  it('compiles the worker and API entry points', () => {
    for (const entry of ['src/worker-main.ts', 'src/server.ts', 'workflows/index.ts', 'activities/index.ts']) {
      assert.ok(included.includes(entry), `${entry} is not in the production build`);
    }
  });

  it('holds only src/, workflows/ and activities/: no stand-in, nothing from dev/ or test/', () => {
    const outside = files.filter(
      (f) => !PRODUCT.some((dir) => f.startsWith(dir)) || /standin|smtp-inbox/i.test(path.basename(f)),
    );
    assert.deepEqual(outside, [], `the production build would compile ${outside.join(', ')}`);
  });

  it('imports only packages that are runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const missing = new Set<string>();
    for (const f of compiled) {
      for (const i of ts.preProcessFile(f.text, true, true).importedFiles) {
        const name = packageOf(i.fileName);
        if (name && !(name in pkg.dependencies)) missing.add(`${name} (${rel(f.fileName)})`);
      }
    }
    assert.deepEqual([...missing], [], 'imported by the production build but not in package.json dependencies');
  });
});
