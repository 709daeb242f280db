// The grammar on every live .nas file of the repository (examples/, stdlib/ and every other
// one except those broken on purpose), checked against a reference lexer that follows
// grammar/nas.pest: every comment, string, number, keyword, operator and bracket the
// language's own lexer would see gets the scope of its kind, nothing is `invalid`, and no
// region (string, block comment, parameter list, bracket) is left open at the end of a file.
// Also checks that the grammar's word lists (keywords, stage kinds, types, metrics) are the
// ones the Rust code defines, so adding one there fails here until the grammar has it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { GRAMMAR, tokenize } = require('./grammar');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const rust = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8');

// Folders that hold no source, or .nas files broken on purpose (error cases, and the
// assertion files of test/cases, whose invalid lines are the point).
const SKIP = new Set(['.git', 'target', 'node_modules', 'runs', 'tests/data/errors', 'editors/vscode/test']);

/** `.nas` files under `dir` (relative to the repository root), sorted. */
function nasFiles(dir) {
  const walk = (d) =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) return SKIP.has(e.name) || SKIP.has(path.relative(ROOT, p)) ? [] : walk(p);
      return e.name.endsWith('.nas') ? [p] : [];
    });
  return walk(path.join(ROOT, dir)).sort();
}

const examples = nasFiles('examples');
const stdlib = nasFiles('stdlib');
const CORPUS = {
  examples,
  stdlib,
  // Everything else: test inputs that parse, results/, the benchmark networks, ...
  'every other .nas file': nasFiles('.').filter((f) => !examples.includes(f) && !stdlib.includes(f)),
};

// The keywords of grammar/nas.pest's `keyword` rule.
const KEYWORDS = (() => {
  const m = /^keyword = _\{([^}]*)\}/m.exec(rust('grammar/nas.pest'));
  assert.ok(m, 'grammar/nas.pest has no `keyword` rule');
  return [...m[1].matchAll(/"(\w+)"/g)].map((k) => k[1]);
})();

/** The lexemes of `text` as grammar/nas.pest's tokens: `{ kind, text, line, col }`. */
function lex(text) {
  const rules = [
    ['space', /[ \t\r\n]+/y],
    ['block comment', /\/\*[\s\S]*?\*\//y],
    ['line comment', /\/\/[^\n]*/y],
    ['string', /"(?:[^"\\\n]|\\[^\n])*"/y],
    ['percentage', /(?:\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)|\d[\d_]*)%/y],
    ['float', /\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)/y],
    ['integer', /\d[\d_]*/y],
    ['word', /[A-Za-z_][A-Za-z0-9_]*/y],
    ['operator', /<=|>=|==|!=|[<>+\-*/=?]/y],
    ['bracket', /[()[\]{}]/y],
    ['separator', /[,.:]/y],
  ];
  const out = [];
  let pos = 0;
  let line = 0;
  let lineStart = 0;
  while (pos < text.length) {
    const rule = rules.find(([, re]) => ((re.lastIndex = pos), re.test(text)));
    if (!rule) throw new Error(`line ${line + 1}: the reference lexer stops at ${JSON.stringify(text.slice(pos, pos + 20))}`);
    const end = rule[1].lastIndex;
    const lexeme = text.slice(pos, end);
    if (rule[0] !== 'space') out.push({ kind: rule[0], text: lexeme, line, col: pos - lineStart, lineText: null });
    for (let i = pos; i < end; i++) {
      if (text[i] === '\n') {
        line += 1;
        lineStart = i + 1;
      }
    }
    pos = end;
  }
  return out;
}

/** The scope a lexeme must have (a prefix of one of its scopes), given the lexeme before it. */
function expected(lexeme, previous, lineText) {
  const { kind, text } = lexeme;
  switch (kind) {
    case 'block comment':
      return 'comment.block.nas';
    case 'line comment':
      // A doc comment is a line that starts with `///` (crates/syntax/src/build.rs).
      return lineText.slice(0, lexeme.col).trim() === '' && text.startsWith('///')
        ? 'comment.line.documentation.nas'
        : 'comment.line.double-slash.nas';
    case 'string':
      return 'string.quoted.double.nas';
    case 'percentage':
      return 'constant.numeric.percentage.nas';
    case 'float':
      return 'constant.numeric.float.nas';
    case 'integer':
      return 'constant.numeric.integer.nas';
    case 'word':
      if (!KEYWORDS.includes(text)) return ['variable.', 'entity.name.', 'support.'];
      // Type names may be keywords: `ops: list[op]`, `p: pipeline`.
      if (previous && (previous.text === ':' || previous.text === '[')) return 'support.type.nas';
      return ['keyword.', 'constant.language.'];
    case 'operator':
      if (text === '=') return 'keyword.operator.assignment.nas';
      if (text === '?') return 'keyword.operator.optional.nas';
      return /[-+*/]/.test(text) ? 'keyword.operator.arithmetic.nas' : 'keyword.operator.comparison.nas';
    default:
      return 'punctuation.';
  }
}

/**
 * Where the tokens of `text` (as `tokenize` returns them) disagree with the reference
 * lexer, as `name:line:col: message` strings.
 */
function check(name, text, { lines, tokens, endDepth }) {
  const out = [];
  const where = (l, c) => `${name}:${l + 1}:${c + 1}`;
  const scopesAt = (l, c) => tokens[l].find((tok) => tok.start <= c && c < tok.end)?.scopes ?? [];
  tokens.forEach((lineTokens, l) => {
    for (const t of lineTokens) {
      const bad = t.scopes.find((s) => s.startsWith('invalid.'));
      if (bad && t.end > t.start) out.push(`${where(l, t.start)}: ${bad} on ${JSON.stringify(lines[l].slice(t.start, t.end))}`);
    }
  });
  if (endDepth !== 1) out.push(`${name}: a region is still open at the end of the file (rule stack depth ${endDepth})`);
  let previous = null;
  for (const lexeme of lex(text)) {
    const want = [expected(lexeme, previous, lines[lexeme.line])].flat();
    // Check every character of the lexeme (a block comment may span lines).
    let l = lexeme.line;
    let c = lexeme.col;
    for (const ch of lexeme.text) {
      if (ch === '\n') {
        l += 1;
        c = 0;
        continue;
      }
      if (ch !== '\r') {
        const got = scopesAt(l, c);
        if (!got.some((s) => want.some((w) => s.startsWith(w)))) {
          const shown = got.slice(1).join(' ') || '(unscoped)';
          out.push(`${where(l, c)}: ${lexeme.kind} ${JSON.stringify(lexeme.text.slice(0, 40))} is ${shown}, expected ${want.join(' or ')}`);
          break;
        }
      }
      c += 1;
    }
    if (!lexeme.kind.endsWith('comment')) previous = lexeme;
  }
  return out;
}

async function problems(file) {
  const text = fs.readFileSync(file, 'utf8');
  return check(path.relative(ROOT, file), text, await tokenize(text));
}

for (const [group, files] of Object.entries(CORPUS)) {
  test(`the grammar agrees with the language's lexer on ${group}`, async (t) => {
    assert.ok(files.length > 0, `no .nas files found for ${group}`);
    for (const file of files) {
      await t.test(path.relative(ROOT, file), async () => {
        const found = await problems(file);
        assert.deepEqual(found, [], `\n${found.slice(0, 30).join('\n')}`);
      });
    }
  });
}

test('the check finds a wrong scope, an invalid token and an open region', async () => {
  // Guards against the corpus test passing vacuously.
  const text = 'let ops: list[op] = [1, 2.5, 10%] // c\n';
  const good = await tokenize(text);
  assert.deepEqual(check('t', text, good), []);
  const wrong = structuredClone(good);
  const one = wrong.tokens[0].find((t) => text.slice(t.start, t.end) === '1');
  one.scopes = ['source.nas', 'variable.other.nas'];
  assert.deepEqual(check('t', text, wrong), ['t:1:22: integer "1" is variable.other.nas, expected constant.numeric.integer.nas']);
  const open = 'let s = f(1,\n';
  assert.deepEqual(check('t', open, await tokenize(open)), ['t: a region is still open at the end of the file (rule stack depth 2)']);
  const bad = 'let s = "\\q"\n';
  assert.deepEqual(check('t', bad, await tokenize(bad)), ['t:1:10: invalid.illegal.escape.nas on "\\\\q"']);
  assert.throws(() => lex('let s = 1;'), /stops at ";"/);
});

/** The word list of the grammar's regular expressions that contains `word`. */
function grammarWords(word) {
  const src = fs.readFileSync(GRAMMAR, 'utf8');
  const lists = [...src.matchAll(/\((?:\?:)?([a-z_0-9]+(?:\|[a-z_0-9]+)+)\)/g)]
    .map((m) => m[1].split('|'))
    .filter((words) => words.includes(word));
  assert.ok(lists.length > 0, `the grammar has no word list with ${word}`);
  for (const other of lists) assert.deepEqual(other, lists[0], `two lists with ${word} differ`);
  return [...lists[0]].sort();
}

/** The string literals of a Rust `const NAME: &[&str] = &[...]`. */
function rustList(file, name) {
  const m = new RegExp(`const ${name}: &\\[&str\\] = &\\[([^\\]]*)\\]`).exec(rust(file));
  assert.ok(m, `${file} has no ${name}`);
  return [...m[1].matchAll(/"(\w+)"/g)].map((x) => x[1]).sort();
}

test('the grammar knows every keyword of grammar/nas.pest', () => {
  assert.ok(KEYWORDS.length >= 14, KEYWORDS.join(' '));
  assert.deepEqual(grammarWords('stage'), [...KEYWORDS].sort());
});

test('the grammar knows every stage kind of crates/ir', () => {
  const kinds = [...rust('crates/ir/src/lib.rs').matchAll(/StageKind::\w+\(_\) => "(\w+)"/g)].map((m) => m[1]);
  assert.ok(kinds.length >= 8, kinds.join(' '));
  assert.deepEqual(grammarWords('ssl_search'), [...new Set(kinds)].sort());
});

test('the grammar knows every type name and metric of crates/check', () => {
  const file = 'crates/check/src/builtins/mod.rs';
  assert.deepEqual(grammarWords('fraction'), rustList(file, 'TYPE_NAMES'));
  assert.deepEqual(grammarWords('alpha_entropy'), rustList(file, 'METRICS'));
});
