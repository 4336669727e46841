// The README packaged into the .vsix: vsce refuses relative images without a repository, so they are left out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { withoutRelativeImages } from '../../scripts/package-readme';

test('the packaged README drops relative Markdown and HTML images and keeps the text around them', () => {
  const readme = [
    '# Title',
    '',
    'Intro with a [link](#section) and `code`.',
    '',
    '![A screenshot with `code` in its alt text](docs/shot.png)',
    '',
    '<img src="docs/a.png" alt="A" width="49%"> <img src="./docs/b.png" alt="B">',
    '',
    'Text after, and an inline ![icon](media/icon.png "the icon") here.',
  ].join('\n');
  assert.equal(
    withoutRelativeImages(readme),
    ['# Title', '', 'Intro with a [link](#section) and `code`.', '', 'Text after, and an inline  here.'].join('\n'),
  );
});

test('the packaged README keeps https images, which vsce accepts', () => {
  const readme = '![remote](https://example.org/a.png)\n\n<img src="https://example.org/b.png">';
  assert.equal(withoutRelativeImages(readme), readme);
});

test("the repository's README packages without a relative image left in it", () => {
  const packaged = withoutRelativeImages(readFileSync('README.md', 'utf8'));
  assert.doesNotMatch(packaged, /!\[[^\]]*\]\((?!https:)/);
  assert.doesNotMatch(packaged, /<img\b(?![^>]*src=["']https:)/i);
  assert.match(packaged, /## Debugging a model/);
});
