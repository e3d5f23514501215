// Which code a bench run was made with: the git commit, whether the tree was dirty, and a
// hash of the code itself, so runs from two commits that differ only in documentation or in
// committed bench results count as one version.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export interface CodeVersion {
  /** `git rev-parse HEAD`; null outside a git checkout. */
  commit: string | null;
  /** Tracked code files (see `isNonCodePath`) differed from the commit. */
  dirty: boolean;
  /**
   * sha256 of the committed tree's code blobs plus the uncommitted diff of them:
   * what "the same code" means when runs are mixed. null outside a git checkout.
   */
  codeHash: string | null;
}

/**
 * Documentation, release notes and committed bench results (the run records of
 * `bench-results/`): they do not change what a run computes. Without the records here, each
 * sitting's commit of its records made the next sitting's code a new version.
 */
export function isNonCodePath(path: string): boolean {
  return (
    path.endsWith('.md') || path.startsWith('.changeset/') || path.startsWith('bench-results/')
  );
}

/**
 * The code hash from `git ls-tree -r HEAD` output (`<mode> <type> <sha>\t<path>` lines) and
 * the uncommitted diff of code files: non-code lines are dropped before hashing.
 */
export function codeHashOf(lsTree: string, codeDiff: string): string {
  const h = createHash('sha256');
  for (const line of lsTree.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0 || isNonCodePath(line.slice(tab + 1))) continue;
    h.update(line);
    h.update('\n');
  }
  h.update('\0');
  h.update(codeDiff);
  return h.digest('hex');
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** The code version of the checkout at `cwd` (all null / false when it is not one). */
export function codeVersionAt(cwd: string): CodeVersion {
  try {
    // Paths from `git diff --name-only` are relative to the top, so every call runs there.
    const top = git(cwd, ['rev-parse', '--show-toplevel']).trim();
    const commit = git(top, ['rev-parse', 'HEAD']).trim();
    const lsTree = git(top, ['ls-tree', '-r', 'HEAD']);
    const changed = git(top, ['diff', 'HEAD', '--name-only'])
      .split('\n')
      .filter((p) => p && !isNonCodePath(p));
    const diff = changed.length ? git(top, ['diff', 'HEAD', '--', ...changed]) : '';
    return { commit, dirty: changed.length > 0, codeHash: codeHashOf(lsTree, diff) };
  } catch {
    return { commit: null, dirty: false, codeHash: null };
  }
}

/** `1a2b3c4d5e6f` or `1a2b3c4d5e6f (dirty)` or `unknown` for messages and tables. */
export function describeCodeVersion(v: CodeVersion): string {
  if (!v.commit) return 'unknown (no git checkout)';
  return `${v.commit.slice(0, 12)}${v.dirty ? ' (dirty)' : ''}`;
}
