/**
 * `#private` members of a hot class, rewritten to live in the class's keeper
 * (runtime/privates.ts) so that every version's code reads and writes the same state on
 * instances made before and after a reload.
 *
 *   this.#gold += n        ->  __hot_P0.p(this, "#gold")["#gold"] += n
 *   this.#bonus(n)         ->  __hot_P0.b(this, "#bonus")[__hot_P0_0](n)
 *   #gold in o             ->  __hot_P0.h(o, "#gold")
 *   #bonus(n) { … }        ->  [__hot_P0_0](n) { … }
 *   #gold = 10;            ->  (moved) static { __hot.pi(0, function () { return { "#gold": (10) }; }) }
 *   static #count = 0;     ->  static { __hot.pq(0, 0, () => (0)) }
 *
 * The private fields' initialisers run together when the instance is stamped, which is
 * where the class's first public field is initialised (or the constructor starts), so a
 * private initialiser that reads `this` after a public field would see a different object:
 * such a class, and the other forms this cannot keep, keep native `#private` members, and
 * the runtime refuses to reload them (`native` below) rather than break old instances.
 */
import type MagicString from 'magic-string';
import { fingerprint } from './fingerprint.js';
import { HANDLE, KEEPER_SOURCE, RESERVED_PREFIX } from './names.js';
import type { DataPragma, PrivateNativeInfo, StaticFieldInfo } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

interface Declared {
  kind: 'field' | 'method' | 'accessor';
  isStatic: boolean;
}

export interface PrivatesResult {
  /** Why the class keeps native `#private` members (the runtime refuses to reload it). */
  native?: PrivateNativeInfo;
  /** Prologue declarations: the keeper and the symbols of private methods and accessors. */
  prologue: string[];
  /** Static private fields, in order (`__hot.pq(index, slot, …)`). */
  statics: StaticFieldInfo[];
}

export interface PrivatesContext {
  node: Node;
  source: string;
  output: MagicString;
  /** The class binding's cell number. */
  index: number;
  /** The keeper's local name (`__hot_P0`). */
  keeper: string;
  line: (offset: number) => number;
  pragmaBefore: (offset: number) => DataPragma | undefined;
}

const CLASS = new Set(['ClassExpression', 'ClassDeclaration']);
const FUNCTION = new Set(['FunctionExpression', 'FunctionDeclaration']);

function children(node: Node, visit: (child: Node, parent: Node, key: string) => void): void {
  for (const key in node) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'range' || key === 'parent' || key === 'typeAnnotation' || key === 'returnType' || key === 'typeParameters' || key === 'superTypeArguments' || key === 'typeArguments') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (item && typeof item.type === 'string') visit(item, node, key);
    } else if (value && typeof value.type === 'string') {
      visit(value, node, key);
    }
  }
}

/** The private names a class body declares. */
function declaredNames(body: Node): Map<string, Declared> {
  const names = new Map<string, Declared>();
  for (const member of body.body) {
    if (member.key?.type !== 'PrivateIdentifier') continue;
    const kind = member.type === 'MethodDefinition' ? (member.kind === 'method' ? 'method' : 'accessor') : 'field';
    names.set(member.key.name, { kind, isStatic: !!member.static });
  }
  return names;
}

/** Whether `text` (an initialiser) mentions `word` as a keyword. */
const mentions = (text: string, word: string) => new RegExp(`(?<![\\w$.])${word}\\b`).test(text);

/** Whether `value` uses `this` while it is evaluated (not in a function it makes for later). */
function readsThis(value: Node): boolean {
  let found = false;
  const visit = (child: Node) => {
    if (found || CLASS.has(child.type) || FUNCTION.has(child.type) || child.type === 'ArrowFunctionExpression') return;
    if (child.type === 'ThisExpression') found = true;
    else children(child, visit);
  };
  visit(value);
  return found;
}

/** Rewrites the class's own `#private` members; null when it declares none. */
export function rewritePrivates(context: PrivatesContext): PrivatesResult | null {
  const { node, source, output, index, keeper } = context;
  const declared = declaredNames(node.body);
  if (!declared.size) return null;
  const members: Node[] = node.body.body;

  // Forms kept native: the runtime then refuses to reload the class (see the module comment).
  const nativeBecause = (member: Node, reason: string): PrivatesResult => ({
    native: { member: member.key?.type === 'PrivateIdentifier' ? `#${member.key.name}` : '', line: context.line(member.start), reason },
    prologue: [],
    statics: [],
  });
  let publicField: Node = null;
  for (const member of members) {
    const isPrivate = member.key?.type === 'PrivateIdentifier';
    if (member.type === 'AccessorProperty' || member.type === 'TSAbstractAccessorProperty') {
      if (isPrivate) return nativeBecause(member, '`accessor #name` auto-accessors are not kept across reloads');
      continue;
    }
    if (member.type !== 'PropertyDefinition' || member.static || member.declare) continue;
    if (!isPrivate) {
      publicField ??= member;
      continue;
    }
    const text = member.value ? source.slice(member.value.start, member.value.end) : '';
    if (mentions(text, 'super')) return nativeBecause(member, 'its initializer uses `super`');
    if (publicField && member.value && readsThis(member.value)) {
      const name = source.slice(publicField.key.start, publicField.key.end);
      return nativeBecause(member, `its initializer reads \`this\` after the public field \`${name}\`, and hot classes initialise private fields first; declare it before the public fields`);
    }
  }

  const symbolOf = new Map<string, string>();
  const prologue = [`${keeper} = ${HANDLE}.pk(${index}, ${KEEPER_SOURCE(`${HANDLE}.Stamp`)})`];
  for (const [name, entry] of declared) {
    if (entry.kind === 'field') continue;
    const local = `${keeper}_${symbolOf.size}`;
    symbolOf.set(name, local);
    prologue.push(`${local} = ${keeper}.y(${JSON.stringify(`#${name}`)})`);
  }

  // References: every `x.#name` and `#name in x` that means this class's name (a class
  // written inside may declare the same name for itself).
  const visit = (child: Node, parent: Node, key: string, scopes: Map<string, Declared>[]): void => {
    if (CLASS.has(child.type) && child !== node) {
      if (child.superClass) visit(child.superClass, child, 'superClass', scopes);
      const inner = [...scopes, declaredNames(child.body)];
      children(child.body, (grandchild, p, k) => visit(grandchild, p, k, inner));
      return;
    }
    const own = (name: string): Declared | undefined => {
      for (let i = scopes.length - 1; i >= 0; i--) {
        const entry = scopes[i].get(name);
        if (entry) return i === 0 ? entry : undefined;
      }
      return undefined;
    };
    if (child.type === 'MemberExpression' && child.property?.type === 'PrivateIdentifier') {
      const entry = own(child.property.name);
      if (entry) rewriteMember(child, parent, key, entry);
    } else if (child.type === 'BinaryExpression' && child.operator === 'in' && child.left?.type === 'PrivateIdentifier') {
      const entry = own(child.left.name);
      if (entry) {
        const name = `#${child.left.name}`;
        output.overwrite(child.left.start, child.left.end, `${keeper}.${entry.isStatic ? 'k' : 'h'}(`, { contentOnly: true });
        const operator = source.indexOf('in', child.left.end);
        output.overwrite(operator, operator + 2, '', { contentOnly: true });
        output.appendLeft(child.right.end, `, ${JSON.stringify(name)})`);
      }
    }
    children(child, (grandchild, p, k) => visit(grandchild, p, k, scopes));
  };
  const rewriteMember = (member: Node, parent: Node, key: string, entry: Declared) => {
    const name = `#${member.property.name}`;
    const write = parent?.type === 'AssignmentExpression' && parent.operator === '=' && key === 'left';
    const call = entry.kind === 'field'
      ? entry.isStatic ? (write ? 'qw' : 'q') : (write ? 'w' : 'p')
      : entry.isStatic ? 'c' : 'b';
    const dot = source.lastIndexOf('.', member.property.start);
    const optional = member.optional && source[dot - 1] === '?';
    output.appendRight(member.object.start, `${keeper}.${call}(`);
    output.overwrite(optional ? dot - 1 : dot, dot + 1, `, ${JSON.stringify(name)}${optional ? ', 1)?.' : ')'}`, { contentOnly: true });
    const property = entry.kind === 'field' ? `[${JSON.stringify(name)}]` : `[${symbolOf.get(member.property.name)}]`;
    output.overwrite(member.property.start, member.property.end, property, { contentOnly: true });
  };
  children(node.body, (child, parent, key) => visit(child, parent, key, [declared]));

  // Declarations.
  const statics: StaticFieldInfo[] = [];
  const fields: Node[] = [];
  let instanceMembers = false;
  for (const member of members) {
    if (member.key?.type !== 'PrivateIdentifier') continue;
    const name = `#${member.key.name}`;
    if (member.type === 'MethodDefinition') {
      instanceMembers ||= !member.static;
      output.overwrite(member.key.start, member.key.end, `[${symbolOf.get(member.key.name)}]`, { contentOnly: true });
    } else if (member.static) {
      const slot = statics.length;
      const pragma = context.pragmaBefore(member.start);
      statics.push({ name, fingerprint: fingerprint(member.value ? source.slice(member.value.start, member.value.end) : ''), ...(pragma ? { pragma } : {}) });
      const open = `static { ${HANDLE}.pq(${index}, ${slot}, () => `;
      if (!member.value) {
        output.overwrite(member.start, member.end, `${open}void 0) }`, { contentOnly: true });
        continue;
      }
      output.overwrite(member.start, member.value.start, `${open}(`, { contentOnly: true });
      if (member.end > member.value.end) output.overwrite(member.value.end, member.end, ')) }', { contentOnly: true });
      else output.appendLeft(member.value.end, ')) }');
    } else {
      instanceMembers = true;
      fields.push(member);
    }
  }

  // The initialiser of the private fields, registered before any static initialiser could
  // make an instance; the initialisers are moved into it (their source mappings move along).
  if (fields.length) {
    const at = node.body.start + 1;
    const bare = fields.filter((f) => !f.value).map((f) => `${JSON.stringify(`#${f.key.name}`)}: void 0, `).join('');
    const valued = fields.filter((f) => f.value);
    output.appendLeft(at, ` static { ${HANDLE}.pi(${index}, function () { return { ${bare}${valued.length ? '' : '}; }) }'}`);
    for (const field of valued) {
      output.prependRight(field.value.start, `${JSON.stringify(`#${field.key.name}`)}: (`);
      output.appendLeft(field.value.end, '), ');
      output.move(field.value.start, field.value.end, at);
      output.remove(field.start, field.value.start);
      if (field.end > field.value.end) output.remove(field.value.end, field.end);
    }
    if (valued.length) output.appendLeft(valued[valued.length - 1].value.end, '}; }) }');
    for (const field of fields) if (!field.value) output.remove(field.start, field.end);
  }

  // Where plain code would initialise the private fields, the instance is stamped.
  if (instanceMembers) {
    const stamp = `${keeper}.st(this)`;
    const constructor = members.find((m) => m.type === 'MethodDefinition' && m.kind === 'constructor' && m.value?.body);
    const firstPublic = members.find((m) => m.type === 'PropertyDefinition' && !m.static && !m.declare && m.key?.type !== 'PrivateIdentifier');
    if (firstPublic) {
      const value = firstPublic.value;
      if (value) {
        // An anonymous function keeps the name its field gives it (a comma expression would drop it).
        const anonymous = (value.type === 'ArrowFunctionExpression' || ((value.type === 'FunctionExpression' || value.type === 'ClassExpression') && !value.id));
        const key = !firstPublic.computed && firstPublic.key.type === 'Identifier' ? JSON.stringify(firstPublic.key.name) : !firstPublic.computed && firstPublic.key.type === 'Literal' ? JSON.stringify(String(firstPublic.key.value)) : null;
        const named = anonymous && key !== null;
        output.prependRight(value.start, `(${stamp}, ${named ? `{ ${key}: ` : ''}`);
        output.appendLeft(value.end, named ? ` }[${key}])` : ')');
      } else {
        if (firstPublic.definite) {
          const bang = source.indexOf('!', firstPublic.key.end);
          if (bang !== -1 && bang < (firstPublic.typeAnnotation?.start ?? firstPublic.end)) output.remove(bang, bang + 1);
        }
        const end = source[firstPublic.end - 1] === ';' ? firstPublic.end - 1 : firstPublic.end;
        output.appendLeft(end, ` = (${stamp}, void 0)`);
      }
    } else if (!node.superClass) {
      // The transform has put `super();` (of the shared root) first in a base class's constructor.
      if (constructor) output.appendLeft(constructor.value.body.start + 1, ` ${stamp};`);
      else output.appendLeft(node.body.end - 1, ` constructor() { super(); ${stamp}; } `);
    } else if (constructor) {
      // Fields of a derived class are initialised when `super(…)` returns: stamp what it returns.
      const wrap = (child: Node) => {
        if (CLASS.has(child.type) || FUNCTION.has(child.type)) return;
        if (child.type === 'CallExpression' && child.callee?.type === 'Super') {
          output.prependRight(child.start, `${keeper}.st(`);
          output.appendLeft(child.end, ')');
        }
        children(child, wrap);
      };
      children(constructor.value.body, wrap);
    } else {
      const args = `${RESERVED_PREFIX}_a`;
      output.appendLeft(node.body.end - 1, ` constructor(...${args}) { ${keeper}.st(super(...${args})); } `);
    }
  }
  return { prologue, statics };
}
