// package.json and language-configuration.json: what VS Code reads without running any code
// of ours, so nothing else would notice a wrong path or a regular expression that never fires.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..');
const pkg = require('../package.json');
const config = require('../language-configuration.json');

test('package.json declares the nas language, its grammar and its files', () => {
  const [language] = pkg.contributes.languages;
  assert.equal(language.id, 'nas');
  assert.deepEqual(language.extensions, ['.nas']);
  const [grammar] = pkg.contributes.grammars;
  assert.equal(grammar.language, 'nas');
  assert.equal(grammar.scopeName, 'source.nas');
  const tm = JSON.parse(fs.readFileSync(path.join(dir, grammar.path), 'utf8'));
  assert.equal(tm.scopeName, grammar.scopeName);
  for (const file of [language.configuration, grammar.path, pkg.main]) {
    assert.ok(fs.existsSync(path.join(dir, file)), `${file} is missing`);
  }
  assert.equal(pkg.contributes.configuration.properties['nas.path'].default, 'nas');
  assert.ok(pkg.activationEvents.includes('onLanguage:nas'));
});

test('indentation: a line ending in an open bracket indents, a closing bracket dedents', () => {
  const increase = new RegExp(config.indentationRules.increaseIndentPattern);
  const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
  for (const line of ['pipeline p {', '  stage tune: finetune(', 'let ops = [', 'def cifar(']) {
    assert.ok(increase.test(line), line);
  }
  for (const line of ['let x = [1, 2]', '  phase w { epochs = 2 }', '  x = f(a) // (', 'let s = "("']) {
    assert.ok(!increase.test(line), line);
  }
  for (const line of ['}', '  )', '  ],']) assert.ok(decrease.test(line), line);
  assert.ok(!decrease.test('  x = 1'));
});

test('comments, doc comments and words', () => {
  assert.equal(config.comments.lineComment, '//');
  assert.deepEqual(config.comments.blockComment, ['/*', '*/']);
  const [docRule] = config.onEnterRules;
  assert.ok(new RegExp(docRule.beforeText).test('  /// Separable convolution.'));
  assert.ok(!new RegExp(docRule.beforeText).test('let x = 1 /// not a doc'));
  assert.equal(docRule.action.appendText, '/// ');
  const word = new RegExp(`^(?:${config.wordPattern})$`);
  for (const w of ['sep_conv_3x3', '_x', '1_000', '4e-5', '2.5%', '10%']) assert.ok(word.test(w), w);
  assert.ok(!word.test('a.b'));
});
