// __tests__/helpers/doc-blocks.ts
// The fenced code blocks of README.md and docs/**/*.md, with their language, markers and place, for the doc test.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './pack.js';

export interface DocBlock {
  /** The markdown file, relative to the repository: `README.md`, `docs/guides/redis.md`. */
  file: string;
  /** The block's language: the info string's first word (`ts`, `js`, `sh`, `json`). */
  lang: string;
  /** The info string's other words: markers such as `esm`, `fragment`, `run=quick-start-ts`, `token-route`. */
  markers: string[];
  /** The file's line of the block's first code line (1-based). */
  line: number;
  code: string;
}

/** README.md and every markdown file under docs/, relative to the repository, in a stable order. */
export function docFiles(): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(folder, entry.name))
        : entry.name.endsWith('.md')
          ? [join(folder, entry.name)]
          : [],
    );
  return ['README.md', ...walk('docs').sort()].map((file) => relative(root, join(root, file)));
}

/** Every fenced block of one markdown text. */
export function blocksOf(file: string, markdown: string): DocBlock[] {
  const found: DocBlock[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^```(\w*)((?:[ \t]+\S+)*)[ \t]*$/.exec(lines[index] ?? '');
    if (!open) continue;
    const end = lines.findIndex((text, at) => at > index && /^```\s*$/.test(text));
    if (end === -1) throw new Error(`${file}:${index + 1}: a code block is not closed`);
    found.push({
      file,
      lang: open[1] ?? '',
      markers: (open[2] ?? '').split(/\s+/).filter((word) => word !== ''),
      line: index + 2,
      code: lines.slice(index + 1, end).join('\n'),
    });
    index = end;
  }
  return found;
}

/** Every fenced block of README.md and docs/**\/*.md. */
export function docBlocks(): DocBlock[] {
  return docFiles().flatMap((file) => blocksOf(file, readFileSync(join(root, file), 'utf8')));
}

/** `docs/guides/redis.md:40` → `docs-guides-redis.md-line-40`: a file name for a block's virtual module. */
export const blockName = (block: DocBlock): string => `${block.file.replace(/[/\\]/g, '-')}-line-${block.line}`;

/** The value of a `name=value` marker, e.g. `run`. */
export const marker = (block: DocBlock, name: string): string | undefined =>
  block.markers.find((word) => word.startsWith(`${name}=`))?.slice(name.length + 1);
