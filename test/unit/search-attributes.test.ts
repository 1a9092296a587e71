import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../workflows/contracts';

// Compiled tests run from <outDir>/test/unit/, so the repo root is three levels up.
const REPO_ROOT = path.resolve(__dirname, '../../..');

/** The temporal CLI's spelling of each SDK search attribute type. */
const CLI_TYPE: Record<string, string> = {
  Text: 'TEXT',
  Keyword: 'KEYWORD',
  Int: 'INT',
  Double: 'DOUBLE',
  Bool: 'BOOL',
  Datetime: 'DATETIME',
  KeywordList: 'KEYWORD_LIST',
};

/** Name → SDK type of the SEARCH_ATTRIBUTES=( Name=Type ... ) array of temporal-dev.sh. */
function scriptAttributes(): Map<string, string> {
  const script = fs.readFileSync(path.join(REPO_ROOT, 'temporal-dev.sh'), 'utf8');
  // The array closes with ')' alone on a line; comments inside it may hold parentheses.
  const block = /^SEARCH_ATTRIBUTES=\(([\s\S]*?)^\)/m.exec(script);
  assert.ok(block, 'temporal-dev.sh has a SEARCH_ATTRIBUTES=( ... ) array');
  const entries = block[1].replace(/#.*$/gm, '').split(/\s+/).filter(Boolean);
  const result = new Map<string, string>();
  for (const entry of entries) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z]+)$/.exec(entry);
    assert.ok(m, `malformed entry ${entry}`);
    const type = CLI_TYPE[m[2]];
    assert.ok(type, `unknown type ${m[2]} in ${entry}`);
    assert.ok(!result.has(m[1]), `duplicate ${m[1]}`);
    result.set(m[1], type);
  }
  return result;
}

describe('search attributes', () => {
  it('temporal-dev.sh registers at least one attribute', () => {
    assert.ok(scriptAttributes().size > 0);
  });

  it('temporal-dev.sh registers every attribute of workflows/contracts.ts with the same type', () => {
    const script = scriptAttributes();
    for (const key of SEARCH_ATTRIBUTES) {
      assert.ok(script.has(key.name), `${key.name} missing from temporal-dev.sh`);
      assert.equal(script.get(key.name), key.type, key.name);
    }
  });

  it('workflows/contracts.ts declares every attribute temporal-dev.sh registers', () => {
    const shared = new Map<string, string>(SEARCH_ATTRIBUTES.map((k) => [k.name, k.type]));
    for (const [name, type] of scriptAttributes()) {
      assert.ok(shared.has(name), `${name} missing from SEARCH_ATTRIBUTES in workflows/contracts.ts`);
      assert.equal(shared.get(name), type, name);
    }
  });
});
