// extension.js outside VS Code: `vscode` and the language client are replaced by fakes
// that record what the extension asks of them, so the tests see which program it starts,
// with which arguments, for which documents, and what it does when the program is missing.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');

const calls = [];
const settings = { path: 'nas' };
let workspaceFolder = '/work/project';
let startFails = false;

const fakeVscode = {
  workspace: {
    getConfiguration: (section) => ({ get: (key, dflt) => (section === 'nas' && key in settings ? settings[key] : dflt) }),
    get workspaceFolders() {
      return workspaceFolder ? [{ uri: { fsPath: workspaceFolder } }] : undefined;
    },
    onDidChangeConfiguration: (listener) => {
      fakeVscode.configListener = listener;
      return { dispose() {} };
    },
  },
  window: {
    showWarningMessage: async (message, ...actions) => {
      calls.push({ warning: message, actions });
      return undefined;
    },
  },
  commands: {
    registerCommand: (name, fn) => {
      fakeVscode.commandsRegistered[name] = fn;
      return { dispose() {} };
    },
    executeCommand: async () => {},
  },
  commandsRegistered: {},
};

class FakeLanguageClient {
  constructor(id, name, server, client) {
    Object.assign(this, { id, name, server, client, state: 'new' });
    calls.push({ client: this });
  }
  async start() {
    if (startFails) throw new Error('spawn failed');
    this.state = 'running';
  }
  async stop() {
    this.state = 'stopped';
  }
}

const realLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === 'vscode') return fakeVscode;
  if (request === 'vscode-languageclient/node') return { LanguageClient: FakeLanguageClient };
  return realLoad.call(this, request, parent, isMain);
};
const ext = require('../extension.js');
Module._load = realLoad;

// A fake `nas` on a PATH of our own, so the tests never depend on an installed one.
const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'nas-ext-'));
fs.writeFileSync(path.join(bin, 'nas'), '#!/bin/sh\n', { mode: 0o755 });
process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
test.after(() => fs.rmSync(bin, { recursive: true, force: true }));

const lastClient = () => calls.filter((c) => c.client).at(-1)?.client;

test('activate starts `nas lsp` over stdio for nas files', async () => {
  calls.length = 0;
  const context = { subscriptions: [] };
  await ext.activate(context);
  const client = lastClient();
  assert.ok(client, 'no client was created');
  assert.equal(client.id, 'nas');
  assert.deepEqual(client.server, { command: 'nas', args: ['lsp'] });
  assert.equal(client.server.transport, undefined, 'TransportKind.stdio would add --stdio');
  assert.deepEqual(client.client.documentSelector, [
    { scheme: 'file', language: 'nas' },
    { scheme: 'untitled', language: 'nas' },
  ]);
  assert.equal(client.state, 'running');
  assert.equal(context.subscriptions.length, 2);
  assert.ok(fakeVscode.commandsRegistered['nas.restartServer']);
  await ext.deactivate();
  assert.equal(client.state, 'stopped');
});

test('nas.path picks the binary, and changing it restarts the server', async () => {
  calls.length = 0;
  await ext.activate({ subscriptions: [] });
  const first = lastClient();
  settings.path = path.join(bin, 'nas');
  fakeVscode.configListener({ affectsConfiguration: (s) => s === 'nas.path' });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(first.state, 'stopped');
  assert.equal(lastClient().server.command, path.join(bin, 'nas'));
  assert.equal(lastClient().state, 'running');
  fakeVscode.configListener({ affectsConfiguration: () => false });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(calls.filter((c) => c.client).length, 2, 'an unrelated setting restarted the server');
  await ext.deactivate();
  settings.path = 'nas';
});

test('a missing binary gives one warning that names nas.path, and no client', async () => {
  calls.length = 0;
  settings.path = 'target/release/no-such-nas';
  await ext.activate({ subscriptions: [] });
  assert.equal(lastClient(), undefined);
  const warnings = calls.filter((c) => c.warning);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].warning, /\/work\/project\/target\/release\/no-such-nas/);
  assert.match(warnings[0].warning, /nas\.path/);
  assert.deepEqual(warnings[0].actions, ['Open Settings']);
  await ext.deactivate();
  settings.path = 'nas';
});

test('a server that fails to start leaves no client behind', async () => {
  calls.length = 0;
  startFails = true;
  await ext.activate({ subscriptions: [] });
  startFails = false;
  assert.ok(lastClient(), 'the client was not even created');
  await ext.deactivate(); // must not stop a client that never started
  assert.equal(lastClient().state, 'new');
});

test('resolveCommand: names, home, workspace-relative and absolute paths', () => {
  assert.equal(ext.resolveCommand('nas', '/w'), 'nas');
  assert.equal(ext.resolveCommand('', '/w'), 'nas');
  assert.equal(ext.resolveCommand(' nas ', '/w'), 'nas');
  assert.equal(ext.resolveCommand('target/release/nas', '/w'), path.join('/w', 'target/release/nas'));
  assert.equal(ext.resolveCommand('./nas', '/w'), path.join('/w', 'nas'));
  assert.equal(ext.resolveCommand('target/release/nas', undefined), 'target/release/nas');
  assert.equal(ext.resolveCommand('/opt/nas/bin/nas', '/w'), '/opt/nas/bin/nas');
  assert.equal(ext.resolveCommand('~/.cargo/bin/nas', '/w'), path.join(os.homedir(), '.cargo/bin/nas'));
});

test('findable: files and names on PATH', () => {
  assert.equal(ext.findable('nas'), true);
  assert.equal(ext.findable('nas', { PATH: '' }), false);
  assert.equal(ext.findable(path.join(bin, 'nas')), true);
  assert.equal(ext.findable(path.join(bin, 'missing')), false);
  assert.equal(ext.findable(bin), false, 'a folder is not a program');
});
