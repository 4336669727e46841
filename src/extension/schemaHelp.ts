// Completion and key hovers for *.nn.yaml from the generated JSON Schema (see src/model/schemaHelp.ts).
// *.nn.json gets the same from VS Code's JSON service through `jsonValidation`, so these serve YAML only.

import * as vscode from 'vscode';
import { completionSite, keyDocumentation, keySuggestions, valueSuggestions } from '../model/schemaHelp';

export const YAML_MODEL_FILES: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.nn.{yaml,yml}' },
  { scheme: 'untitled', pattern: '**/*.nn.{yaml,yml}' },
];

export class ModelCompletionProvider implements vscode.CompletionItemProvider {
  /** A space after `key:` asks for that key's values; other spaces are indentation. */
  static readonly triggerCharacters = [' '];

  provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _token: vscode.CancellationToken,
    context: vscode.CompletionContext,
  ): vscode.CompletionItem[] | undefined {
    const site = completionSite(document.getText(), document.offsetAt(position));
    if (!site) return undefined;
    if (context.triggerCharacter === ' ' && site.kind !== 'value') return undefined;
    const range = new vscode.Range(document.positionAt(site.start), document.positionAt(site.end));
    if (site.kind === 'value') {
      return valueSuggestions(site.path).map(({ value, description }, index) => {
        const item = new vscode.CompletionItem(value, vscode.CompletionItemKind.EnumMember);
        item.range = range;
        item.sortText = String(index).padStart(3, '0');
        if (description) item.documentation = new vscode.MarkdownString(description);
        return item;
      });
    }
    return keySuggestions(site.path, site.present).map(({ key, description, values, nested }) => {
      const item = new vscode.CompletionItem(key, vscode.CompletionItemKind.Property);
      item.range = range;
      if (description) item.documentation = new vscode.MarkdownString(description);
      if (values.length > 0) {
        item.insertText = new vscode.SnippetString(`${key}: \${1|${values.map(escapeChoice).join(',')}|}`);
        item.detail = values.join(' | ');
      } else if (nested && !site.flow) {
        item.insertText = new vscode.SnippetString(`${key}:\n\t$0`);
      } else {
        item.insertText = new vscode.SnippetString(`${key}: $0`);
      }
      return item;
    });
  }
}

export class KeyHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const found = keyDocumentation(document.getText(), document.offsetAt(position));
    if (!found) return undefined;
    const markdown = new vscode.MarkdownString();
    markdown.appendMarkdown(`**${found.path.filter((part) => typeof part === 'string').join('.')}**`);
    if (found.description) markdown.appendMarkdown(`: ${found.description}`);
    if (found.values.length > 0)
      markdown.appendMarkdown(`\n\nOne of: ${found.values.map((v) => `\`${v}\``).join(', ')}`);
    const range = new vscode.Range(document.positionAt(found.start), document.positionAt(found.end));
    return new vscode.Hover(markdown, range);
  }
}

/** Snippet choices end at `,` and `|`. */
function escapeChoice(value: string): string {
  return value.replace(/[,|\\$}]/g, (c) => `\\${c}`);
}
