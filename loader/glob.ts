/**
 * Minimal glob matching for include/exclude config: `**`, `*`, `?`, `{a,b}`.
 * Patterns match paths relative to the project root, with `/` separators.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (char === '?') out += '[^/]';
    else if (char === '{') {
      const end = pattern.indexOf('}', i);
      if (end === -1) throw new SyntaxError(`unclosed '{' in glob ${JSON.stringify(pattern)}`);
      out += `(?:${pattern.slice(i + 1, end).split(',').map((part) => globToRegExp(part).source.slice(1, -1)).join('|')})`;
      i = end;
    } else out += /[\\^$.|+()[\]]/.test(char) ? `\\${char}` : char;
  }
  return new RegExp(`^${out}$`);
}
