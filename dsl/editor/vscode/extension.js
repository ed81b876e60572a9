// Starts `visa-rules lsp` for .rules and .props files (see ../README.md).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("visaRules").get("command", "visa-rules");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "visa-rules",
    "visa-rules",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "visa-rules" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
