// Copies examples/ and stdlib/ into test/snap/ as the fixtures of the snapshot test.
//
// The snapshots are of copies, not of the live files, so that editing an example does not
// break this package's tests: test/corpus.test.js checks every live file instead, and
// `npm run update-snapshots` refreshes these copies and their snapshots in one go.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');
const dest = path.join(__dirname, 'snap');

function nasFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return nasFiles(p);
    return e.name.endsWith('.nas') ? [p] : [];
  });
}

fs.rmSync(dest, { recursive: true, force: true });
let n = 0;
for (const top of ['examples', 'stdlib']) {
  for (const file of nasFiles(path.join(root, top))) {
    const to = path.join(dest, path.relative(root, file));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(file, to);
    n += 1;
  }
}
console.log(`copied ${n} files of examples/ and stdlib/ into ${path.relative(process.cwd(), dest)}`);
