/**
 * Every relative link in README.md and doc/**.md leads somewhere: the file or folder exists, and a #fragment names a
 * heading of the target (GitHub's anchor for it). Links are read by a Markdown parser (markdown-it), so links inside
 * code are not links, and anchors are GitHub's own slugs (github-slugger).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';
import GithubSlugger from 'github-slugger';

type Token = ReturnType<MarkdownIt['parse']>[number];

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const md = new MarkdownIt({ html: true });

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

/** The plain text of an inline token, as GitHub slugs it (code spans by their content, emphasis marks dropped). */
function plainText(inline: Token | undefined): string {
  return (inline?.children ?? []).map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : '')).join('');
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    const slugger = new GithubSlugger();
    const tokens = md.parse(readFileSync(file, 'utf8'), {});
    anchors = new Set(tokens.flatMap((t, i) => (t.type === 'heading_open' ? [slugger.slug(plainText(tokens[i + 1]))] : [])));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

function linksOf(file: string): string[] {
  const hrefs: string[] = [];
  const walk = (tokens: Token[]): void => {
    for (const t of tokens) {
      if (t.type === 'link_open') hrefs.push(t.attrGet('href') ?? '');
      if (t.type === 'image') hrefs.push(t.attrGet('src') ?? '');
      if (t.children) walk(t.children);
    }
  };
  walk(md.parse(readFileSync(file, 'utf8'), {}));
  return hrefs;
}

/** Why `href` in `file` leads nowhere, or undefined when it resolves. */
export function brokenLink(file: string, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined; // http:, https:, mailto: — not checked offline
  const [rawPath, fragment] = href.split('#', 2) as [string, string | undefined];
  const target = rawPath === '' ? file : resolve(dirname(file), decodeURIComponent(rawPath));
  if (!existsSync(target)) return `no such file or folder: ${relative(REPO, target)}`;
  if (fragment === undefined || fragment === '') return undefined;
  if (statSync(target).isDirectory() || !target.endsWith('.md')) return `#${fragment} on something that is not a Markdown file`;
  return anchorsOf(target).has(decodeURIComponent(fragment).toLowerCase()) ? undefined : `no heading for #${fragment} in ${relative(REPO, target)}`;
}

describe('links in README.md and doc/', () => {
  const files = [join(REPO, 'README.md'), ...markdownFiles(join(REPO, 'doc'))];

  it('finds the guides and their links', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap(linksOf).length).toBeGreaterThan(50);
  });

  it.each(files.map((f) => [relative(REPO, f), f]))('%s: every relative link and #anchor resolves', (_name, file) => {
    const broken = linksOf(file)
      .map((href) => ({ href, why: brokenLink(file, href) }))
      .filter((b) => b.why !== undefined);
    expect(broken).toEqual([]);
  });

  it('tells a broken file link, a broken anchor and a good one apart', () => {
    const readme = join(REPO, 'README.md');
    expect(brokenLink(readme, 'doc/no-such-guide.md')).toMatch(/no such file/);
    expect(brokenLink(readme, 'doc/api.md#no-such-heading')).toMatch(/no heading/);
    expect(brokenLink(readme, '#a-five-minute-tour')).toBeUndefined();
    expect(brokenLink(readme, 'doc/api.md')).toBeUndefined();
  });
});
