// Loads syntaxes/nas.tmLanguage.json into vscode-textmate (the engine VS Code runs) and
// tokenizes whole files with it, for the tests in this folder.
'use strict';
const fs = require('fs');
const path = require('path');
const vt = require('vscode-textmate');
const onig = require('vscode-oniguruma');

const GRAMMAR = path.join(__dirname, '..', 'syntaxes', 'nas.tmLanguage.json');

let loaded;

/** The nas grammar, loaded once. */
function loadGrammar() {
  loaded ??= (async () => {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vt.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (sources) => new onig.OnigScanner(sources),
        createOnigString: (s) => new onig.OnigString(s),
      }),
      loadGrammar: async (scope) =>
        scope === 'source.nas' ? vt.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null,
    });
    return registry.loadGrammar('source.nas');
  })();
  return loaded;
}

/**
 * Tokenizes `text` line by line as VS Code does. Returns the lines (without their line
 * ends), each line's tokens `{ start, end, scopes }`, and the rule stack after the last
 * line (depth 1 when no region such as a string or a block comment is left open).
 */
async function tokenize(text) {
  const grammar = await loadGrammar();
  const lines = text.split(/\r?\n/);
  let stack = vt.INITIAL;
  const tokens = lines.map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ start: t.startIndex, end: Math.min(t.endIndex, line.length), scopes: t.scopes }));
  });
  return { lines, tokens, endDepth: stack.depth };
}

module.exports = { GRAMMAR, loadGrammar, tokenize };
