/**
 * Builds the text of an `apply_patch` patch (`*** Begin Patch` … `*** End Patch`), the format
 * codex's patch tool reads.
 */

/** One file operation of a patch. Paths are relative to the turn's working directory. */
export type PatchOperation =
  /** Create `path` holding `contents`. */
  | { readonly type: 'add'; readonly path: string; readonly contents: string }
  /** Delete `path`. */
  | { readonly type: 'delete'; readonly path: string }
  /**
   * Replace the consecutive lines `oldLines` of `path` with `newLines` (one hunk), and rename the
   * file to `moveTo` when given. `oldLines` must appear in the file as they are.
   */
  | {
      readonly type: 'update';
      readonly path: string;
      readonly oldLines: readonly string[];
      readonly newLines: readonly string[];
      readonly moveTo?: string | undefined;
    };

/** Formats operations as a complete patch, from `*** Begin Patch` to `*** End Patch`. */
export function formatPatch(operations: readonly PatchOperation[]): string {
  const lines = ['*** Begin Patch'];
  for (const operation of operations) {
    switch (operation.type) {
      case 'add':
        lines.push(`*** Add File: ${operation.path}`, ...splitLines(operation.contents).map((line) => `+${line}`));
        break;
      case 'delete':
        lines.push(`*** Delete File: ${operation.path}`);
        break;
      case 'update':
        lines.push(`*** Update File: ${operation.path}`);
        if (operation.moveTo !== undefined) lines.push(`*** Move to: ${operation.moveTo}`);
        lines.push('@@', ...operation.oldLines.map((line) => `-${line}`), ...operation.newLines.map((line) => `+${line}`));
        break;
    }
  }
  lines.push('*** End Patch');
  return lines.join('\n');
}

/**
 * The shell command that applies `patch` the way models do it: `apply_patch` reading a quoted
 * heredoc. The heredoc delimiter is chosen so that no line of the patch can end it early.
 */
export function applyPatchCommand(patch: string): string {
  const lines = new Set(patch.split('\n'));
  let delimiter = 'EOF';
  for (let n = 1; lines.has(delimiter); n++) delimiter = `EOF_${n}`;
  return `apply_patch <<'${delimiter}'\n${patch}\n${delimiter}`;
}

function splitLines(contents: string): string[] {
  const lines = contents.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
