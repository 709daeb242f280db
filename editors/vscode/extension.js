// The nas extension. Highlighting, comments, brackets and indentation are declared in
// package.json and need no code; this file starts the language server, `nas lsp`, over
// stdio for .nas files, with the binary named by the setting `nas.path`.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** The running client, if any. */
let client;

/**
 * The program `nas.path` names: `~/` is the home folder, a relative path with a folder in
 * it (`target/release/nas`) is relative to the first workspace folder, and a bare name
 * (`nas`) is looked up on PATH when the server starts.
 */
function resolveCommand(configured, workspaceFolder) {
  let command = (configured || 'nas').trim();
  if (command === '~' || command.startsWith('~/')) command = path.join(os.homedir(), command.slice(1));
  const hasFolder = command.includes('/') || command.includes(path.sep);
  if (hasFolder && !path.isAbsolute(command) && workspaceFolder) command = path.join(workspaceFolder, command);
  return command;
}

/** Whether `command` can be started: an existing file, or a bare name found on PATH. */
function findable(command, env = process.env) {
  const isFile = (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes(path.sep)) return isFile(command);
  const exts = process.platform === 'win32' ? ['', ...(env.PATHEXT || '.EXE;.CMD;.BAT').split(';')] : [''];
  return (env.PATH || '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => exts.some((ext) => isFile(path.join(dir, command + ext))));
}

/** How to start the server: `<command> lsp`, speaking JSON-RPC on stdin and stdout. */
function serverOptions(command) {
  // No `transport`: stdio is the default (with `TransportKind.stdio` the client appends
  // `--stdio`, which `nas lsp` accepts too).
  return { command, args: ['lsp'] };
}

function clientOptions() {
  return {
    documentSelector: [
      { scheme: 'file', language: 'nas' },
      { scheme: 'untitled', language: 'nas' },
    ],
  };
}

async function startClient() {
  const configured = vscode.workspace.getConfiguration('nas').get('path', 'nas');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const command = resolveCommand(configured, folder);
  if (!findable(command)) {
    const choice = await vscode.window.showWarningMessage(
      `nas: cannot find \`${command}\`, so diagnostics, hover and completion are off ` +
        '(highlighting works without it). Install nas (`cargo install --path crates/cli`) ' +
        'or set "nas.path" to the nas binary.',
      'Open Settings',
    );
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'nas.path');
    return;
  }
  client = new LanguageClient('nas', 'nas language server', serverOptions(command), clientOptions());
  try {
    await client.start();
  } catch {
    // The client has already shown the error and logged it in its output channel.
    client = undefined;
  }
}

async function stopClient() {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

async function restart() {
  await stopClient();
  await startClient();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('nas.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('nas.path')) void restart();
    }),
  );
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate, resolveCommand, findable, serverOptions, clientOptions };
