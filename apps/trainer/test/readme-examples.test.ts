// Type-checks every ```ts example of the repository's READMEs against the built packages, in one
// tsc run, so a README cannot keep showing an API that no longer exists.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  extractTsSnippets,
  type ReadmeSnippet,
  readmeLineOf,
  snippetSource,
} from './helpers/readme-snippets.js';

const REPO = resolve(__dirname, '../../..');
// Inside the repository (git-ignored), so `@crat/*` resolve through apps/trainer's workspace links.
const CHECK_DIR = join(__dirname, '..', `.readme-check-${process.pid}`);

function readmes(): string[] {
  const found = [join(REPO, 'README.md')];
  for (const parent of ['packages', 'packages/losses', 'apps']) {
    for (const entry of readdirSync(join(REPO, parent), { withFileTypes: true })) {
      const file = join(REPO, parent, entry.name, 'README.md');
      if (entry.isDirectory() && existsSync(file)) found.push(file);
    }
  }
  return found.sort();
}

function fileNameOf(snippet: ReadmeSnippet): string {
  return `${snippet.readme.replace(/[/.]/g, '_')}_L${snippet.fenceLine}.ts`;
}

/** tsc's `file(line,col): error TSxxxx: message` lines, continuation lines joined to theirs. */
function parseDiagnostics(output: string): { file: string; line: number; text: string }[] {
  const found: { file: string; line: number; text: string }[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const m = /^(.+?)\((\d+),(\d+)\): (error TS\d+: .*)$/.exec(raw);
    if (m) found.push({ file: m[1], line: Number(m[2]), text: `${m[4]} (column ${m[3]})` });
    else if (raw.trim() !== '' && found.length > 0)
      found[found.length - 1].text += `\n    ${raw.trim()}`;
    else if (raw.trim() !== '') found.push({ file: '', line: 0, text: raw.trim() });
  }
  return found;
}

describe('extractTsSnippets', () => {
  const md = [
    '# x', // 1
    '```sh', // 2
    'pnpm train', // 3
    '```', // 4
    '<!-- ts-preamble: declare const a: number;', // 5
    'declare const b: number; -->', // 6
    '```ts', // 7
    'const c = a + b;', // 8
    'c.toFixed(2);', // 9
    '```', // 10
    '```ts', // 11
    'export default 1;', // 12
    '```', // 13
  ].join('\n');

  it('takes ts fences only, each with the preamble right above it', () => {
    const [first, second, ...rest] = extractTsSnippets(md, 'X.md');
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      fenceLine: 7,
      preambleLine: 5,
      code: 'const c = a + b;\nc.toFixed(2);',
    });
    expect(first!.preamble).toBe('declare const a: number;\ndeclare const b: number;');
    expect(second).toMatchObject({ fenceLine: 11, preamble: '', code: 'export default 1;' });
  });

  it('maps a line of the checked file back to the README', () => {
    const [first, second] = extractTsSnippets(md, 'X.md');
    expect(snippetSource(first!).split('\n')[3]).toBe('c.toFixed(2);');
    expect(readmeLineOf(first!, 4)).toBe(9);
    expect(readmeLineOf(first!, 1)).toBe(5);
    expect(readmeLineOf(second!, 1)).toBe(12);
  });

  it('refuses a preamble that is not right above a ts fence', () => {
    expect(() => extractTsSnippets('<!-- ts-preamble: x -->\n\n```ts\n```', 'Y.md')).toThrow(
      'Y.md:1: a ts-preamble comment must stand on the line right above a ```ts fence',
    );
    expect(() => extractTsSnippets('<!-- ts-preamble: x -->\n```sh\n```', 'Y.md')).toThrow(
      'Y.md:1:',
    );
    expect(() => extractTsSnippets('<!-- ts-preamble: x', 'Y.md')).toThrow('never closed');
    expect(() => extractTsSnippets('```ts\nconst a = 1;', 'Y.md')).toThrow('Y.md:1: code fence');
  });
});

describe('README examples', () => {
  const files = readmes();
  const snippets = files.flatMap((file) =>
    extractTsSnippets(readFileSync(file, 'utf8'), relative(REPO, file)),
  );

  afterAll(() => rmSync(CHECK_DIR, { recursive: true, force: true }));

  it('finds every ts fence of every README', () => {
    for (const file of files) {
      const fences = readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .filter((l) => /^```(ts|typescript)\s*$/.test(l)).length;
      const found = snippets.filter((s) => s.readme === relative(REPO, file)).length;
      expect(found, relative(REPO, file)).toBe(fences);
    }
    for (const readme of ['README.md', 'packages/core/README.md', 'apps/trainer/README.md']) {
      expect(snippets.map((s) => s.readme)).toContain(readme);
    }
  });

  it('type-check against the built packages', () => {
    rmSync(CHECK_DIR, { recursive: true, force: true });
    mkdirSync(CHECK_DIR);
    const byFile = new Map<string, ReadmeSnippet>();
    for (const snippet of snippets) {
      const name = fileNameOf(snippet);
      byFile.set(name, snippet);
      writeFileSync(join(CHECK_DIR, name), snippetSource(snippet));
    }
    const tsconfig = {
      extends: relative(CHECK_DIR, join(REPO, 'tsconfig.base.json')),
      compilerOptions: { noEmit: true, declaration: false, sourceMap: false },
      include: ['*.ts'],
    };
    writeFileSync(join(CHECK_DIR, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

    const tsc = createRequire(join(REPO, 'package.json')).resolve('typescript/bin/tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
        cwd: CHECK_DIR,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
    }
    const problems = parseDiagnostics(output).map((d) => {
      const snippet = byFile.get(d.file);
      if (!snippet)
        return `${d.file === '' ? 'tsc' : d.file}${d.line ? `:${d.line}` : ''}: ${d.text}`;
      const where = readmeLineOf(snippet, d.line);
      const inPreamble = snippet.preamble !== '' && where === snippet.preambleLine;
      return `${snippet.readme}:${where}${inPreamble ? ' (ts-preamble)' : ''} (example at line ${snippet.fenceLine}): ${d.text}`;
    });
    const message = `${problems.length} type errors in README examples:\n${problems.join('\n')}\n`;
    expect(problems.length, message).toBe(0);
  });
});
