// Child of tests/libraries.test.js: runs the CommonMark spec's examples (the commonmark-spec
// package, the suite commonmark.js tests itself against) through a copy of a markdown library,
// and prints one JSON line: the HTML of every example, before any reload and, under the
// loader, after each of `rounds` reloadAll()s, from instances made before the reloads (`old`)
// and after them (`fresh`).
//
//   node [--import @hot/loader] tests/support/spec-runner.js <commonmark|marked> <copy dir> <rounds>
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [library, dir, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText);
const { tests } = createRequire(import.meta.url)('commonmark-spec');
// commonmark.js's own test runner writes tabs as → in the spec.
const examples = tests.map((t) => ({ markdown: t.markdown.replace(/→/g, '\t'), html: t.html.replace(/→/g, '\t') }));

const load = async () => {
  if (library === 'commonmark') {
    const { Parser, HtmlRenderer } = await import(pathToFileURL(join(dir, 'lib', 'index.js')).href);
    return () => {
      const parser = new Parser();
      const renderer = new HtmlRenderer();
      return (markdown) => renderer.render(parser.parse(markdown));
    };
  }
  const { Marked } = await import(pathToFileURL(join(dir, 'lib', 'marked.esm.js')).href);
  return () => {
    const marked = new Marked();
    return (markdown) => marked.parse(markdown);
  };
};

const run = (render) => examples.map((example) => {
  try {
    return render(example.markdown);
  } catch (error) {
    return `threw: ${error?.message}`;
  }
});

const make = await load();
const old = make();
const output = { expected: examples.map((e) => e.html), before: run(old), after: [], reports: [] };
if (rounds > 0) {
  const { reloadAll, status } = await import('@hot/loader/runtime');
  output.hot = status().modules.filter((m) => m.file.startsWith(dir)).map((m) => m.file.slice(dir.length + 1)).sort();
  for (let round = 0; round < rounds; round++) {
    const report = await reloadAll();
    output.reports.push({ ok: report.ok, error: report.error?.message, modules: report.modules.length, warnings: report.modules.flatMap((m) => m.warnings) });
    output.after.push({ old: run(old), fresh: run(make()) });
  }
}
process.stdout.write(JSON.stringify(output) + '\n');
