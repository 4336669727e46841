// Open Example: copies a bundled example into the workspace (so it can be edited and trained) and opens it.

import * as vscode from 'vscode';

const EXAMPLES: { file: string; description: string }[] = [
  { file: 'xor.nn.yaml', description: 'XOR with sigmoid hidden units: the classic first net' },
  { file: 'worked-example.nn.yaml', description: 'The course slides’ linear example: check every number by hand' },
  { file: 'spiral.nn.yaml', description: 'A softmax classifier on three spiral arms, with a decision boundary' },
  { file: 'iris.nn.yaml', description: 'Iris flowers from a CSV, with a validation split' },
  { file: 'vanishing.nn.yaml', description: 'Ten sigmoid layers: watch the gradients vanish' },
  { file: 'exploding.nn.yaml', description: 'A badly scaled init: gradients explode, training stops at the first NaN' },
  { file: 'huber-l2-clip.nn.yaml', description: 'Huber loss, L2 and gradient clipping' },
  { file: 'frozen.nn.yaml', description: 'A frozen pretrained layer (transfer learning)' },
];

export async function openExample(extensionUri: vscode.Uri, name?: string): Promise<vscode.TextDocument | undefined> {
  let file = name;
  if (!file) {
    const pick = await vscode.window.showQuickPick(
      EXAMPLES.map((example) => ({ label: example.file, detail: example.description })),
      { title: 'Open a Backprop example', matchOnDetail: true },
    );
    file = pick?.label;
  }
  const example = EXAMPLES.find((e) => e.file === file || e.file === `${file}.nn.yaml`);
  if (!example) return undefined;
  const source = vscode.Uri.joinPath(extensionUri, 'examples', example.file);
  const folder = vscode.workspace.workspaceFolders?.[0];
  let target = source;
  if (folder) {
    // Copy into the workspace (with its CSV) unless a file of that name is already there.
    target = vscode.Uri.joinPath(folder.uri, example.file);
    const exists = await vscode.workspace.fs.stat(target).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await vscode.workspace.fs.copy(source, target);
      if (example.file === 'iris.nn.yaml') {
        const csv = vscode.Uri.joinPath(folder.uri, 'iris.csv');
        const csvExists = await vscode.workspace.fs.stat(csv).then(
          () => true,
          () => false,
        );
        if (!csvExists) await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'examples', 'iris.csv'), csv);
      }
    }
  }
  const document = await vscode.workspace.openTextDocument(target);
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}
