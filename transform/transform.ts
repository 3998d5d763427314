/**
 * The transform: one pure, synchronous pass from a module's source to code whose
 * top-level bindings live in runtime cells.
 *
 * Positions are preserved: every edit is an insertion or a same-line overwrite,
 * and the prologue is prepended to the first line, so only that line's columns
 * move; the source map covers the rest (columns included).
 */
import MagicString from 'magic-string';
import { parseSync, rawTransferSupported, Visitor, type ParserOptions } from 'oxc-parser';
import { HotError, LineIndex } from './errors.js';
import {
  CELL_PREFIX,
  DEFAULT_LOCAL,
  HANDLE,
  RESERVED_PREFIX,
  RUNTIME_KEY,
  SETTER_INDEX,
  SETTER_VALUE,
  SHELL_PREFIX,
  TOKEN,
  VERSION,
  WRITER,
} from './names.js';
import { analyzeModule } from './scope.js';
import { fingerprint } from './fingerprint.js';
import { findPragmas } from './pragmas.js';
const { createRequire } = process.getBuiltinModule('node:module');
import type {
  BindingInfo,
  FunctionShape,
  ImportInfo,
  ModuleMeta,
  SourceMapObject,
  StatementInfo,
  StaticFieldInfo,
  TransformOptions,
  TransformResult,
} from './types.js';

// Insertion order at a shared offset (minified code puts one statement's end at the
// next one's start): a node's closing text is appendLeft(end), so it stays with the
// text before the offset; a node's opening text is appendRight(start), so it stays
// with the text after it. Statement terminators added last go through appendRight.
//
// The AST is oxc's ESTree / TS-ESTree; a structural type keeps this file readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

const TS_EXTENSION = /\.[cm]?tsx?(?:$|[?#])/;

type InputMaps = typeof import('./input-map.js');
let inputMaps: InputMaps | undefined;
/** Source-map chaining, loaded for code another loader compiled first (tsx) and only then. */
const loadInputMaps = (): InputMaps => (inputMaps ??= createRequire(import.meta.url)('./input-map.js') as InputMaps);

/** Node >= 22: oxc hands the AST over through a shared buffer, ~3x faster (bench/parsers.js). */
const RAW_TRANSFER = rawTransferSupported();


/** Strips TypeScript-only wrappers (`x as T`, `x!`, `x satisfies T`) and `await` to see what an initializer is. */
function unwrap(node: Node): Node {
  while (node) {
    switch (node.type) {
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'AwaitExpression':
      case 'ParenthesizedExpression':
        node = node.expression ?? node.argument;
        break;
      default:
        return node;
    }
  }
  return node;
}

function functionShape(node: Node): FunctionShape {
  if (node.type === 'ArrowFunctionExpression') return node.async ? 'async' : 'arrow';
  if (node.async && node.generator) return 'async-generator';
  if (node.async) return 'async';
  if (node.generator) return 'generator';
  return 'plain';
}

function isFunctionNode(node: Node): boolean {
  return node?.type === 'ArrowFunctionExpression' || node?.type === 'FunctionExpression';
}

function isCall(node: Node): boolean {
  const inner = unwrap(node);
  return inner?.type === 'CallExpression' || inner?.type === 'TaggedTemplateExpression';
}

/** Collects the names a binding pattern declares, in source order. */
function patternNames(pattern: Node, out: Node[] = []): Node[] {
  switch (pattern?.type) {
    case 'Identifier':
      out.push(pattern);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) patternNames(property.type === 'RestElement' ? property.argument : property.value, out);
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) patternNames(element, out);
      break;
    case 'RestElement':
      patternNames(pattern.argument, out);
      break;
    case 'AssignmentPattern':
      patternNames(pattern.left, out);
      break;
  }
  return out;
}

/** The stand-in literal for a function cell, emitted once per function so each has its own feedback. */
function standInSource(name: string, shape: FunctionShape, cell: string): string {
  const safe = /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default' ? name : 'standIn';
  switch (shape) {
    case 'plain':
      return `function ${safe}(...a) { return new.target ? Reflect.construct(${cell}.t, a, new.target) : ${cell}.t.apply(this, a) }`;
    case 'arrow':
      return `(...a) => ${cell}.t(...a)`;
    default:
      // Method syntax: no `prototype`, not a constructor, like async functions and arrows.
      // The runtime gives it the prototype of its kind (AsyncFunction.prototype, …).
      return `({ ${safe}(...a) { return ${cell}.t.apply(this, a) } }).${safe}`;
  }
}

interface PendingBinding {
  info: BindingInfo;
  /** Identifier used for the binding in the output. */
  local: string;
  /** True when the output declares it with `const` semantics lost (writes must throw). */
  constant: boolean;
}

/**
 * Transforms one module.
 *
 * @param source the module's source text (JavaScript or TypeScript)
 * @param url the module's URL or path; used for messages, the source map, and to detect TypeScript
 * @throws {HotError} `ERR_HOT_PARSE` with file:line:col for a syntax error,
 *   `ERR_HOT_TRANSFORM` for a module that declares a reserved `__hot` name
 * @example
 * const { code, bindings } = transform('export let score = 0', 'file:///game/score.js');
 */
export function transform(source: string, url: string, options: TransformOptions = {}): TransformResult {
  const typescript = options.typescript ?? TS_EXTENSION.test(url);
  const lines = new LineIndex(source);
  const displayName = url.startsWith('file:') ? decodeURIComponent(new URL(url).pathname) : url;
  const position = (offset: number) => {
    const { line, column } = lines.locate(offset);
    return { file: displayName, line, column: column + 1 };
  };

  const parsed = parseSync(typescript ? 'module.ts' : 'module.js', source, {
    lang: typescript ? 'ts' : 'js',
    sourceType: 'module',
    preserveParens: false,
    range: true,
    // The TS-ESTree shape for JavaScript too: the scope analyzer expects it.
    astType: 'ts',
    ...(RAW_TRANSFER ? { experimentalRawTransfer: true } : {}),
  } as ParserOptions);
  const fatal = parsed.errors.find((error) => error.severity === 'Error') ?? parsed.errors[0];
  if (fatal) {
    const label = fatal.labels[0];
    throw new HotError('ERR_HOT_PARSE', `${fatal.message}${fatal.helpMessage ? ` (${fatal.helpMessage})` : ''}`, position(label ? label.start : 0));
  }
  const program = parsed.program as Node;
  const scope = analyzeModule(program);

  for (const variable of scope.variables.values()) {
    if (variable.name.startsWith(RESERVED_PREFIX)) {
      const identifier = variable.identifiers[0] as Node;
      throw new HotError('ERR_HOT_TRANSFORM', `the name '${variable.name}' is reserved for @hot/loader's injected code; rename it`, position(identifier?.start ?? 0));
    }
  }

  const output = new MagicString(source);
  const input = source.includes('//# sourceMappingURL=data:') ? loadInputMaps().readInputMap(source) : null;
  if (input) output.remove(input.commentStart, source.length);
  let specialIdentifiers: ReturnType<typeof findSpecialIdentifiers> | undefined;
  const special = () => (specialIdentifiers ??= findSpecialIdentifiers(program));
  const pragmas = findPragmas(source, parsed.comments, program.body);

  // Export names per local binding.
  const exportsOf = new Map<string, string[]>();
  for (const statement of parsed.module.staticExports) {
    for (const entry of statement.entries) {
      if (entry.moduleRequest || entry.isType || entry.localName.name == null || entry.exportName.name == null) continue;
      const list = exportsOf.get(entry.localName.name) ?? [];
      list.push(entry.exportName.name);
      exportsOf.set(entry.localName.name, list);
    }
  }

  const imports: ImportInfo[] = parsed.module.staticImports.map((entry) => {
    const { line, column } = lines.locate(entry.start);
    return {
      specifier: entry.moduleRequest.value,
      names: entry.entries.filter((e) => !e.isType && e.importName.name != null).map((e) => e.importName.name as string),
      line,
      column: column + 1,
    };
  });

  const bindings: PendingBinding[] = [];
  const byName = new Map<string, PendingBinding>();
  const prologueCells: string[] = [];
  const prologueStatements: string[] = [];
  const variableOf = scope.variables;

  const addBinding = (info: Omit<BindingInfo, 'exported' | 'line' | 'column'>, local: string, at: number, constant = false): number => {
    const { line, column } = lines.locate(at);
    const exported = exportsOf.get(local === DEFAULT_LOCAL ? '' : local) ?? [];
    const full: BindingInfo = { ...info, exported: info.name === 'default' && local === DEFAULT_LOCAL ? ['default'] : exported, line, column };
    if (input?.isGenerated(line, column)) full.generated = true;
    const pending = { info: full, local, constant };
    bindings.push(pending);
    byName.set(local, pending);
    return bindings.length - 1;
  };

  // Reads of module-scope bindings, by offset: initializers look up their range in it.
  const moduleReads: { at: number; name: string }[] = [];
  for (const variable of scope.variables.values()) {
    for (const reference of variable.references) {
      if (reference.read) moduleReads.push({ at: (reference.identifier as Node).start, name: variable.name });
    }
  }
  moduleReads.sort((x, y) => x.at - y.at);
  /** Top-level module names read inside [start, end), for the data rule that follows edited dependencies. */
  const readsWithin = (start: number, end: number): string[] => {
    let low = 0;
    let high = moduleReads.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (moduleReads[mid].at < start) low = mid + 1;
      else high = mid;
    }
    const names = new Set<string>();
    for (let i = low; i < moduleReads.length && moduleReads[i].at < end; i++) names.add(moduleReads[i].name);
    return [...names];
  };

  const dataWrap = (index: number, init: Node | null, insertAt: number) => {
    if (init) {
      output.appendRight(init.start, `${HANDLE}.d(${index}) ? ${HANDLE}.s(${index}, (`);
      output.appendLeft(init.end, `)) : ${HANDLE}.g(${index})`);
    } else {
      output.appendLeft(insertAt, ` = ${HANDLE}.d(${index}) ? ${HANDLE}.s(${index}, void 0) : ${HANDLE}.g(${index})`);
    }
  };

  const functionWrap = (index: number, init: Node, name: string) => {
    // `{ name: fn }.name` gives an anonymous function its name the way `const name = fn` would.
    const needsName = !init.id;
    const key = JSON.stringify(name);
    output.appendRight(init.start, `${HANDLE}.fn(${index}, ${needsName ? `{ ${key}: (` : '('}`);
    output.appendLeft(init.end, needsName ? `) }[${key}])` : '))');
  };

  const classNode = (node: Node, index: number, name: string) => {
    const shell = `${SHELL_PREFIX}${index}`;
    const cell = `${CELL_PREFIX}${index}`;
    // `abstract class` is TypeScript only and cannot stand in an expression.
    if (node.abstract) output.overwrite(node.start, source.indexOf('class', node.start), '', { contentOnly: true });
    // `default` is no identifier: the runtime names such a shell from the binding.
    const shellName = /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default' ? name : 'HotClass';
    prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, class ${shellName} extends ${HANDLE}.Placeholder {})`, `${shell} = ${cell}.s`);
    // First element of the body: attach the implementation before any static initialiser runs.
    output.appendLeft(node.body.start + 1, ` static { ${HANDLE}.attach(${index}, this) }`);
    if (!node.superClass) {
      // Every base class extends one shared root, so the base constructor that allocates
      // instances is the same for all versions and they share one hidden class.
      const after = node.typeParameters?.end ?? node.id?.end ?? node.start + 'class'.length;
      output.appendLeft(after, ` extends ${HANDLE}.Root`);
      const constructor = node.body.body.find((m: Node) => m.type === 'MethodDefinition' && m.kind === 'constructor' && m.value?.body);
      if (constructor) output.appendLeft(constructor.value.body.start + 1, ' super();');
    }
    const statics: StaticFieldInfo[] = [];
    let privateMembers = false;
    for (const member of node.body.body) {
      if (member.key?.type === 'PrivateIdentifier') privateMembers = true;
      const keyName = member.computed ? null : member.key?.type === 'Identifier' ? member.key.name : member.key?.type === 'Literal' ? String(member.key.value) : null;
      if (member.type === 'MethodDefinition' && member.kind !== 'constructor' && member.value?.body && keyName != null) {
        const flags = (member.static ? 1 : 0) | (member.kind === 'get' ? 2 : member.kind === 'set' ? 4 : 0);
        const args = `${cell}, this, arguments, ${JSON.stringify(keyName)}, ${flags}`;
        const delegate = member.value.generator ? 'yield* ' : '';
        const forward = member.kind === 'set' ? `return void ${HANDLE}.stale(${args})` : `return ${delegate}${HANDLE}.stale(${args})`;
        output.appendLeft(member.value.body.start + 1, ` if (${TOKEN}.s && ${cell}.v !== ${VERSION} && ${HANDLE}.has(${cell}, ${JSON.stringify(keyName)}, ${flags})) ${forward};`);
      } else if (member.type === 'PropertyDefinition' && member.static && keyName != null && !member.declare) {
        const slot = statics.length;
        statics.push({ name: keyName, fingerprint: fingerprint(member.value ? source.slice(member.value.start, member.value.end) : ''), ...(pragmas.before(member.start) ? { pragma: pragmas.before(member.start) } : {}) });
        if (member.value) {
          output.appendRight(member.value.start, `${HANDLE}.sf(${index}, ${slot}) ? (`);
          output.appendLeft(member.value.end, `) : ${HANDLE}.sk(${index}, ${slot})`);
        } else {
          const after = member.typeAnnotation ? member.typeAnnotation.end : member.key.end;
          output.appendLeft(after, ` = ${HANDLE}.sf(${index}, ${slot}) ? void 0 : ${HANDLE}.sk(${index}, ${slot})`);
        }
      }
    }
    // The class's own name inside its body means the stable class, not this version.
    for (const reference of scope.classSelfReferences(node)) {
      const identifier = reference.identifier as Node;
      // `Player.#count` must keep reading the implementation that owns the private name.
      if (special().privateObjects.has(identifier.start)) continue;
      output.overwrite(identifier.start, identifier.end, shell, { contentOnly: true });
    }
    return { statics, privateMembers };
  };

  let group = 0;
  const statements: StatementInfo[] = [];
  for (const topStatement of program.body as Node[]) {
    if (isRunnableStatement(topStatement)) {
      // Runs again on reload only if new to the module or reading replaced data (runtime `r`).
      const index = statements.length;
      const statementPragma = pragmas.statementBefore(topStatement.start);
      statements.push({
        fingerprint: fingerprint(source.slice(topStatement.start, topStatement.end)),
        reads: readsWithin(topStatement.start, topStatement.end),
        line: lines.locate(topStatement.start).line,
        ...(statementPragma ? { pragma: statementPragma } : {}),
      });
      output.appendRight(topStatement.start, `if (${HANDLE}.r(${index})) { `);
      output.appendLeft(topStatement.end, ` ;${HANDLE}.e() }`);
      continue;
    }
    let statement = topStatement;
    let exportDefault = false;
    if (statement.type === 'ExportNamedDeclaration') {
      if (!statement.declaration) continue;
      statement = statement.declaration;
    } else if (statement.type === 'ExportDefaultDeclaration') {
      exportDefault = true;
      statement = statement.declaration;
    }
    const pragma = pragmas.before(topStatement.start);

    if (statement.type === 'FunctionDeclaration' && statement.body) {
      let local = statement.id?.name;
      if (!local) {
        local = DEFAULT_LOCAL;
        const paren = source.indexOf('(', statement.start);
        output.appendLeft(paren, ` ${DEFAULT_LOCAL}`);
      }
      const name = statement.id?.name ?? 'default';
      const shape = functionShape(statement);
      const index = addBinding({ name, kind: 'function', declaration: exportDefault && !statement.id ? 'default' : 'function', shape, fingerprint: fingerprint(source.slice(statement.start, statement.end)) }, local, statement.id?.start ?? statement.start);
      if (exportDefault) bindings[index].info.exported = [...new Set(['default', ...bindings[index].info.exported])];
      const cell = `${CELL_PREFIX}${index}`;
      prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, ${standInSource(name, shape, cell)})`);
      prologueStatements.push(`${local} = ${HANDLE}.fn(${index}, ${local});`);
      continue;
    }

    if (statement.type === 'ClassDeclaration' && !statement.declare) {
      const name = statement.id?.name ?? 'default';
      const local = statement.id?.name ?? DEFAULT_LOCAL;
      const index = addBinding({ name, kind: 'class', declaration: exportDefault && !statement.id ? 'default' : 'class', fingerprint: fingerprint(source.slice(statement.start, statement.end)) }, local, statement.id?.start ?? statement.start);
      if (exportDefault) {
        bindings[index].info.exported = [...new Set(['default', ...bindings[index].info.exported])];
        output.overwrite(topStatement.start, statement.start, `let ${local} = ${HANDLE}.cls(${index}, `, { contentOnly: true });
        output.appendLeft(statement.end, `); export { ${local} as default };`);
      } else {
        output.appendRight(statement.start, `let ${local} = ${HANDLE}.cls(${index}, `);
        output.appendLeft(statement.end, ');');
      }
      const { statics, privateMembers } = classNode(statement, index, name);
      if (statics.length) bindings[index].info.statics = statics;
      if (privateMembers) bindings[index].info.privateMembers = true;
      continue;
    }

    if (exportDefault) {
      // `export default <expression>`: give it a local binding so every version can update it.
      if (statement.type === 'TSInterfaceDeclaration' || statement.type === 'TSDeclareFunction') continue;
      const expression = statement;
      const inner = unwrap(expression);
      output.overwrite(topStatement.start, expression.start, `let ${DEFAULT_LOCAL} = `, { contentOnly: true });
      const terminator = source[topStatement.end - 1] === ';' ? '' : ';';
      output.appendRight(topStatement.end, `${terminator} export { ${DEFAULT_LOCAL} as default };`);
      if (isFunctionNode(expression)) {
        const index = addBinding({ name: 'default', kind: 'function', declaration: 'default', shape: functionShape(expression), fingerprint: fingerprint(source.slice(expression.start, expression.end)) }, DEFAULT_LOCAL, expression.start);
        bindings[index].info.exported = ['default'];
        const cell = `${CELL_PREFIX}${index}`;
        prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, ${standInSource('default', functionShape(expression), cell)})`);
        functionWrap(index, expression, 'default');
      } else if (expression.type === 'ClassExpression') {
        const index = addBinding({ name: 'default', kind: 'class', declaration: 'default', fingerprint: fingerprint(source.slice(expression.start, expression.end)) }, DEFAULT_LOCAL, expression.start);
        bindings[index].info.exported = ['default'];
        output.appendRight(expression.start, `${HANDLE}.cls(${index}, `);
        output.appendLeft(expression.end, ')');
        const { statics, privateMembers } = classNode(expression, index, expression.id?.name ?? 'default');
        if (statics.length) bindings[index].info.statics = statics;
        if (privateMembers) bindings[index].info.privateMembers = true;
      } else {
        const index = addBinding({
          name: 'default', kind: 'data', declaration: 'default',
          fingerprint: fingerprint(source.slice(expression.start, expression.end)),
          reads: readsWithin(expression.start, expression.end),
          ...(isCall(inner) ? { callInit: true } : {}),
          ...(pragma ? { pragma } : {}),
        }, DEFAULT_LOCAL, expression.start);
        bindings[index].info.exported = ['default'];
        dataWrap(index, expression, expression.end);
      }
      continue;
    }

    if (statement.type === 'VariableDeclaration' && !statement.declare && ['const', 'let', 'var'].includes(statement.kind)) {
      const kind = statement.kind as 'const' | 'let' | 'var';
      const hasPattern = statement.declarations.some((d: Node) => d.id.type !== 'Identifier');
      const keywordEnd = statement.start + kind.length;
      if (hasPattern) {
        const names = statement.declarations.flatMap((d: Node) => patternNames(d.id).map((id: Node) => id.name));
        output.overwrite(statement.start, keywordEnd, `${kind === 'var' ? 'var' : 'let'} ${names.join(', ')};`, { contentOnly: true });
      } else if (kind === 'const') {
        output.overwrite(statement.start, keywordEnd, 'let', { contentOnly: true });
      }
      for (const declarator of statement.declarations) {
        const id = declarator.id;
        const init = declarator.init;
        const inner = unwrap(init);
        if (id.type === 'Identifier') {
          if (hasPattern && id.typeAnnotation) output.remove(id.typeAnnotation.start, id.typeAnnotation.end);
          if (kind === 'const' && init && isFunctionNode(init)) {
            const shape = functionShape(init);
            const index = addBinding({ name: id.name, kind: 'function', declaration: kind, shape, fingerprint: fingerprint(source.slice(init.start, init.end)) }, id.name, id.start, true);
            const cell = `${CELL_PREFIX}${index}`;
            prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, ${standInSource(id.name, shape, cell)})`);
            functionWrap(index, init, id.name);
          } else if (kind === 'const' && init?.type === 'ClassExpression') {
            const index = addBinding({ name: id.name, kind: 'class', declaration: kind, fingerprint: fingerprint(source.slice(init.start, init.end)) }, id.name, id.start, true);
            const key = JSON.stringify(id.name);
            output.appendRight(init.start, `${HANDLE}.cls(${index}, ${init.id ? '(' : `{ ${key}: (`}`);
            output.appendLeft(init.end, init.id ? '))' : `) }[${key}])`);
            const { statics, privateMembers } = classNode(init, index, init.id?.name ?? id.name);
            if (statics.length) bindings[index].info.statics = statics;
            if (privateMembers) bindings[index].info.privateMembers = true;
          } else {
            const index = addBinding({
              name: id.name, kind: 'data', declaration: kind,
              fingerprint: fingerprint(init ? source.slice(init.start, init.end) : ''),
              reads: init ? readsWithin(init.start, init.end) : [],
              ...(isCall(inner) ? { callInit: true } : {}),
              ...(pragma ? { pragma } : {}),
            }, id.name, id.start, kind === 'const');
            dataWrap(index, init, id.typeAnnotation ? id.typeAnnotation.end : id.end);
          }
        } else {
          // A destructuring declarator: one initializer, one keep/replace decision for all its names.
          const ids = patternNames(id);
          const groupId = ++group;
          const first = bindings.length;
          for (const name of ids) {
            addBinding({
              name: name.name, kind: 'data', declaration: kind, group: groupId,
              fingerprint: fingerprint(source.slice(id.start, declarator.end)),
              reads: readsWithin(declarator.start, declarator.end).filter((n) => !ids.some((i) => i.name === n)),
              ...(pragma ? { pragma } : {}),
            }, name.name, name.start, kind === 'const');
          }
          if (id.typeAnnotation) output.remove(id.typeAnnotation.start, id.typeAnnotation.end);
          output.appendRight(id.start, `${HANDLE}.d(${first}) ? ((`);
          output.appendLeft(declarator.end, `), ${HANDLE}.sg(${first}, [${ids.map((i) => i.name).join(', ')}])) : ${HANDLE}.gg(${first})`);
        }
      }
      if (hasPattern && source[statement.end - 1] !== ';') output.appendLeft(statement.end, ';');
      continue;
    }
  }

  // Every write to a top-level binding goes through the runtime so all versions see it.
  const written = new Set<PendingBinding>();
  for (const [name, pending] of byName) {
    const variable = variableOf.get(name);
    if (!variable) continue;
    for (const reference of variable.references) {
      if (!reference.write || reference.init) continue;
      const identifier = reference.identifier as Node;
      written.add(pending);
      const shorthand = special().shorthands.has(identifier.start);
      output.overwrite(identifier.start, identifier.end, shorthand ? `${name}: ${WRITER}.${name}` : `${WRITER}.${name}`, { contentOnly: true });
    }
  }

  const meta: ModuleMeta = {
    hash: options.sourceHash ?? fingerprint(source),
    size: source.length,
    ...(pragmas.module ? { pragma: pragmas.module } : {}),
    ...(options.data ? { project: options.data } : {}),
    ...(pragmas.moduleStatements ? { statementPragma: pragmas.moduleStatements } : {}),
    bindings: bindings.map((b) => b.info),
    statements,
    imports,
  };

  const setterCases = bindings.map((b, i) => `case ${i}: ${b.local} = ${SETTER_VALUE}; break;`).join(' ');
  const setter = bindings.length ? `(${SETTER_INDEX}, ${SETTER_VALUE}) => { switch (${SETTER_INDEX}) { ${setterCases} } }` : 'null';
  const declarations = [
    `${HANDLE} = globalThis[Symbol.for(${JSON.stringify(RUNTIME_KEY)})].enter(import.meta, ${JSON.stringify(meta)}, ${setter})`,
    `${VERSION} = ${HANDLE}.version`,
    `${TOKEN} = ${HANDLE}.token`,
    ...prologueCells,
  ];
  let prologue = `const ${declarations.join(', ')}; ${prologueStatements.join(' ')}`;
  if (written.size) {
    const accessors = [...written].map((b) => {
      const index = bindings.indexOf(b);
      const set = b.constant ? `${HANDLE}.constWrite(${JSON.stringify(b.local)})` : `${HANDLE}.w(${index}, v)`;
      return `get ${b.local}() { return ${b.local} }, set ${b.local}(v) { ${set} }`;
    });
    prologue += ` const ${WRITER} = { ${accessors.join(', ')} };`;
  }
  const hashbang = source.startsWith('#!') ? source.indexOf('\n') + 1 || source.length : 0;
  // Before anything else inserted at the same offset (e.g. a class declaration's own prefix).
  output.prependLeft(hashbang, prologue + ' ');

  // No sourcesContent: the original is on disk where the map points, and every start and
  // reload would otherwise carry a second copy of the source, base64-encoded, through Node.
  const generated = output.generateMap({ source: url, includeContent: false, hires: 'boundary' });
  const map: SourceMapObject = input ? input.chain(JSON.parse(generated.toString()), url) : JSON.parse(generated.toString());
  let code = output.toString();
  if (options.inlineSourceMap !== false) code += `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  return { code, map, bindings: meta.bindings, meta };
}

/** Statement types that declare nothing: the statement rule decides whether they run on reload. */
const DECLARATIONS = new Set([
  'ImportDeclaration', 'ExportNamedDeclaration', 'ExportDefaultDeclaration', 'ExportAllDeclaration',
  'FunctionDeclaration', 'ClassDeclaration', 'VariableDeclaration', 'EmptyStatement',
  'TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSEnumDeclaration', 'TSModuleDeclaration',
  'TSDeclareFunction', 'TSImportEqualsDeclaration', 'TSExportAssignment', 'TSNamespaceExportDeclaration',
]);

function isRunnableStatement(statement: Node): boolean {
  if (DECLARATIONS.has(statement.type)) return false;
  // A directive ('use strict') is no statement to run or skip.
  return !(statement.type === 'ExpressionStatement' && typeof statement.directive === 'string');
}

/**
 * Identifier positions that need care when rewritten, found in one walk (only
 * for modules that write top-level bindings or name a class inside its body):
 * - `shorthands`: `x` in `({ x } = o)` or `({ x = 1 } = o)`, rewritten as `x: …`;
 * - `privateObjects`: `C` in `C.#secret`, which must stay the implementation.
 */
function findSpecialIdentifiers(root: Node): { shorthands: Set<number>; privateObjects: Set<number> } {
  const shorthands = new Set<number>();
  const privateObjects = new Set<number>();
  new Visitor({
    Property(node: Node) {
      if (!node.shorthand) return;
      const value = node.value?.type === 'AssignmentPattern' ? node.value.left : node.value;
      if (value?.type === 'Identifier') shorthands.add(value.start);
    },
    MemberExpression(node: Node) {
      if (node.property?.type === 'PrivateIdentifier' && node.object?.type === 'Identifier') privateObjects.add(node.object.start);
    },
  }).visit(root);
  return { shorthands, privateObjects };
}
