// Writes the README that `npm run package` gives vsce (`--readme-path`): the repository's README without its
// screenshots. vsce refuses a relative image unless package.json names a repository to rewrite it against, and
// the installed extension's page would not show one anyway: VS Code's extension editor only loads https images.
// This project has no public repository to point at, so the packaged page keeps the text and leaves the
// pictures to the repository's README.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const packagedReadmePath = 'dist/README.vsix.md';

const isRelative = (link: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(link) && !link.startsWith('#');

// `![alt](src)` and `![alt](src "title")` on one line; alt text may hold code spans but not brackets.
const markdownImage = /!\[[^\]\n]*\]\( *<?([^)\s>]+)>?(?: +"[^"\n]*")? *\)/g;
const htmlImage = /<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["'][^>]*>/gi;

/** The README text with every relative image removed, and the lines that held only images dropped. */
export function withoutRelativeImages(readme: string): string {
  const keptLines = readme.split('\n').flatMap((line) => {
    const stripped = line
      .replace(markdownImage, (image, link: string) => (isRelative(link) ? '' : image))
      .replace(htmlImage, (image, link: string) => (isRelative(link) ? '' : image));
    return stripped.trim() === '' && line.trim() !== '' ? [] : [stripped];
  });
  // Dropping an image paragraph leaves the blank lines around it next to each other.
  return keptLines.join('\n').replace(/\n{3,}/g, '\n\n');
}

if (require.main === module) {
  mkdirSync(dirname(packagedReadmePath), { recursive: true });
  writeFileSync(packagedReadmePath, withoutRelativeImages(readFileSync('README.md', 'utf8')));
}
