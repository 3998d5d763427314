// Real code to check the transform against: every JavaScript and TypeScript module
// file under node_modules (declaration files and files over 200 KB left out).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function corpusFiles() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) { if (!name.startsWith('.')) walk(path); }
      else if (/\.(mjs|js|mts|ts)$/.test(name) && !/\.d\.m?ts$/.test(name) && stat.size < 200_000) files.push(path);
    }
  };
  walk(fileURLToPath(new URL('../../node_modules', import.meta.url)));
  return files;
}
