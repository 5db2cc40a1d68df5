/**
 * The one piece of SQL lexing the Data API path needs: where does the text that is not code end —
 * a string literal (with `E''` escapes and doubled quotes), a quoted identifier, a `--` or nested
 * `/* *\/` comment, a dollar-quoted string? Placeholder rewriting (`$n` ↔ `:name`) must leave all
 * of those alone.
 */

/** If `sql[i]` starts text that is not code, the index just past its end; else -1. */
export function nonCodeEnd(sql: string, i: number): number {
  const ch = sql[i];
  const next = sql[i + 1];
  if (ch === "'" || ch === '"') {
    const escapes = ch === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? ' ');
    let end = i + 1;
    while (end < sql.length) {
      if (escapes && sql[end] === '\\') end += 2;
      else if (sql[end] === ch) {
        if (sql[end + 1] === ch) end += 2;
        else break;
      } else end++;
    }
    return end + 1;
  }
  if (ch === '-' && next === '-') {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end;
  }
  if (ch === '/' && next === '*') {
    let depth = 1;
    let end = i + 2;
    while (end < sql.length && depth > 0) {
      if (sql.startsWith('/*', end)) {
        depth++;
        end += 2;
      } else if (sql.startsWith('*/', end)) {
        depth--;
        end += 2;
      } else end++;
    }
    return end;
  }
  if (ch === '$' && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
    if (tag) {
      const close = sql.indexOf(tag, i + tag.length);
      return close < 0 ? sql.length : close + tag.length;
    }
  }
  return -1;
}
