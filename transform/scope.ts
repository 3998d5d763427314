/**
 * Scope analysis over oxc-parser's TS-ESTree AST, for exactly what the transform needs:
 * the module's own value bindings, every reference to them (read, write, both; a
 * declaration's own initialisation marked `init`), and the references a class body
 * makes to the class's own name.
 *
 * Written here rather than taken from @typescript-eslint/scope-manager, which was used
 * first and gave the same answers (tests/scope.test.js compares the two on every ES
 * module in node_modules and on TypeScript samples): importing it costs 65-100 ms at a
 * cold start (it loads every TypeScript lib definition) and it analyses a 5 KB module in
 * 0.3-0.4 ms; this walk takes a fraction of that and imports nothing.
 *
 * One walk records declarations per scope and, for each identifier in a value position,
 * the scope it appears in; references are resolved after the walk, when every hoisted
 * declaration (var, function) of every scope is known. Type positions (annotations,
 * interfaces, type aliases, `implements`, type arguments) are not value references.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

/** One identifier in a value position that names a variable. */
export interface Reference {
  /** The Identifier node (its `start`/`end` are offsets in the source). */
  identifier: Node;
  /** Read by this expression (`x`, `x += 1`, `x++`). */
  read: boolean;
  /** Written by this expression (`x = 1`, `x += 1`, `[x] = a`, `for (x of a)`, a declaration's initializer). */
  write: boolean;
  /** The write that initialises a declaration (`let x = 1`, `for (const x of a)`). */
  init: boolean;
}

/** A value binding of the module scope. */
export interface Variable {
  name: string;
  /** The identifiers that declare it (one, or more for `var x; var x;` and overloads). */
  identifiers: Node[];
  references: Reference[];
}

export interface ModuleScope {
  /** The module's own value bindings (imports, var/let/const, functions, classes, enums, namespaces), by name. */
  variables: Map<string, Variable>;
  /** For a class node with a name: the references its body (and heritage) makes to that name. */
  classSelfReferences(classNode: Node): Reference[];
  /**
   * For a function node: does its body (or a default value) read or write a variable of an
   * enclosing function or block, rather than only the module's, globals and its own?
   * A function that does not can be created anywhere at the top level of the module.
   */
  capturesLocal(functionNode: Node): boolean;
  /** For a named function expression: the references its body makes to its own name. */
  selfNameReferences(functionNode: Node): Reference[];
  /**
   * For a function node: the variables of enclosing functions and blocks it closes over, each
   * with the function whose parameters or body declare it (null: a block or class scope), whether
   * anything writes it after its declaration, and where it is declared.
   */
  capturedVariables(functionNode: Node): Captured[];
}

/** A variable a function closes over (see {@link ModuleScope.capturedVariables}). */
export interface Captured {
  name: string;
  /** The function whose parameter list or body declares it; null for a block, catch or class scope. */
  owner: Node | null;
  parameter: boolean;
  written: boolean;
  /** Offset of its (first) declaring identifier. */
  declaredAt: number;
}

class Scope {
  readonly variables = new Map<string, Variable>();
  /** Functions, the module and static blocks take `var`; blocks do not. */
  readonly hoists: boolean;
  readonly parent: Scope | null;
  /** A function's parameter scope: the function node (crossing it upwards leaves the function). */
  fn: Node = null;
  /** A named function expression's own-name scope: the function node. */
  selfOf: Node = null;
  /** A function's body scope: the function node. */
  bodyOf: Node = null;

  constructor(parent: Scope | null, hoists: boolean) {
    this.parent = parent;
    this.hoists = hoists;
  }

  declare(identifier: Node): Variable {
    let variable = this.variables.get(identifier.name);
    if (!variable) this.variables.set(identifier.name, (variable = { name: identifier.name, identifiers: [], references: [] }));
    variable.identifiers.push(identifier);
    return variable;
  }

  get varScope(): Scope {
    let scope: Scope = this;
    while (!scope.hoists && scope.parent) scope = scope.parent;
    return scope;
  }
}

/** TypeScript wrappers that leave their expression an assignment target (`(x as T) = 1`, `x! += 1`). */
const TS_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSInstantiationExpression']);

/** Subtrees that are types only: never value references. */
const TYPE_ONLY = new Set([
  'TSTypeAnnotation', 'TSTypeParameterDeclaration', 'TSTypeParameterInstantiation', 'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration', 'TSClassImplements', 'TSInterfaceHeritage', 'TSDeclareFunction', 'TSIndexSignature',
]);

const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'TSEmptyBodyFunctionExpression']);

/** Analyses a module (parsed with `astType: 'ts'`). */
export function analyzeModule(program: Node): ModuleScope {
  const moduleScope = new Scope(null, true);
  const pending: { scope: Scope; reference: Reference }[] = [];
  const classScopes = new Map<Node, Scope>();

  const reference = (identifier: Node, scope: Scope, read: boolean, write: boolean, init = false) => {
    pending.push({ scope, reference: { identifier, read, write, init } });
  };

  /** Declares the names of a binding pattern; defaults and computed keys inside it are expressions. */
  const declarePattern = (pattern: Node, scope: Scope, inner: Scope, init: boolean) => {
    if (!pattern) return;
    switch (pattern.type) {
      case 'Identifier':
        scope.declare(pattern);
        if (init) reference(pattern, inner, false, true, true);
        return;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') declarePattern(property.argument, scope, inner, init);
          else {
            if (property.computed) expression(property.key, inner);
            declarePattern(property.value, scope, inner, init);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of pattern.elements) declarePattern(element, scope, inner, init);
        return;
      case 'RestElement':
        declarePattern(pattern.argument, scope, inner, init);
        return;
      case 'AssignmentPattern':
        declarePattern(pattern.left, scope, inner, init);
        expression(pattern.right, inner);
        return;
      case 'TSParameterProperty':
        for (const decorator of pattern.decorators ?? []) expression(decorator, inner);
        declarePattern(pattern.parameter, scope, inner, init);
        return;
    }
  };

  /** An assignment target: identifiers are written (and read, for compound operators). */
  const target = (node: Node, scope: Scope, read: boolean) => {
    if (!node) return;
    switch (node.type) {
      case 'Identifier':
        reference(node, scope, read, true);
        return;
      case 'ObjectPattern':
        for (const property of node.properties) {
          if (property.type === 'RestElement') target(property.argument, scope, false);
          else {
            if (property.computed) expression(property.key, scope);
            target(property.value, scope, false);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of node.elements) target(element, scope, false);
        return;
      case 'RestElement':
        target(node.argument, scope, false);
        return;
      case 'AssignmentPattern':
        target(node.left, scope, false);
        expression(node.right, scope);
        return;
      default:
        if (TS_WRAPPERS.has(node.type)) return target(node.expression, scope, read);
        expression(node, scope); // a member expression: its object and computed key are read
    }
  };

  const declareFunctionName = (node: Node, scope: Scope) => {
    // Module code is strict: a function declared in a block is scoped to that block.
    if (node.id && !node.declare) scope.declare(node.id);
  };

  const fn = (node: Node, scope: Scope) => {
    let outer = scope;
    if (node.type === 'FunctionExpression' && node.id) {
      outer = new Scope(scope, false);
      outer.declare(node.id);
      outer.selfOf = node;
    }
    // Parameters have a scope of their own: a default value never sees the body's declarations.
    const params = new Scope(outer, true);
    params.fn = node;
    for (const param of node.params) {
      if (param.type === 'Identifier' && param.name === 'this') continue; // TypeScript's `this` parameter
      declarePattern(param, params, params, false);
    }
    if (!node.body) return;
    const body = new Scope(params, true);
    body.bodyOf = node;
    if (node.body.type === 'BlockStatement') statements(node.body.body, body);
    else expression(node.body, body);
  };

  const klass = (node: Node, scope: Scope) => {
    for (const decorator of node.decorators ?? []) expression(decorator, scope);
    if (node.type === 'ClassDeclaration' && node.id && !node.declare) scope.declare(node.id);
    // A class has an inner binding of its own name, seen by its heritage and body.
    const inner = new Scope(scope, false);
    if (node.id) {
      inner.declare(node.id);
      classScopes.set(node, inner);
    }
    if (node.superClass) expression(node.superClass, inner);
    for (const member of node.body.body) {
      for (const decorator of member.decorators ?? []) expression(decorator, inner);
      if (member.computed && member.key) expression(member.key, inner);
      switch (member.type) {
        case 'MethodDefinition':
        case 'TSAbstractMethodDefinition':
          if (member.value) fn(member.value, inner);
          break;
        case 'PropertyDefinition':
        case 'AccessorProperty':
        case 'TSAbstractPropertyDefinition':
        case 'TSAbstractAccessorProperty':
          // An initialiser runs like a method body (`arguments` is not allowed, `this` is the instance).
          if (member.value) expression(member.value, new Scope(inner, true));
          break;
        case 'StaticBlock':
          statements(member.body, new Scope(inner, true));
          break;
      }
    }
  };

  const statements = (list: Node[], scope: Scope) => {
    for (const statement of list) statement_(statement, scope);
  };

  const variableDeclaration = (node: Node, scope: Scope) => {
    if (node.declare) return;
    const into = node.kind === 'var' ? scope.varScope : scope;
    for (const declarator of node.declarations) {
      declarePattern(declarator.id, into, scope, declarator.init != null);
      if (declarator.init) expression(declarator.init, scope);
    }
  };

  const statement_ = (node: Node, scope: Scope): void => {
    if (!node || TYPE_ONLY.has(node.type)) return;
    switch (node.type) {
      case 'ImportDeclaration':
        if (node.importKind === 'type') return;
        for (const specifier of node.specifiers) if (specifier.importKind !== 'type') scope.declare(specifier.local);
        return;
      case 'ExportNamedDeclaration':
        if (node.declaration) return statement_(node.declaration, scope);
        if (node.source || node.exportKind === 'type') return;
        for (const specifier of node.specifiers) {
          if (specifier.exportKind !== 'type' && specifier.local.type === 'Identifier') reference(specifier.local, scope, true, false);
        }
        return;
      case 'ExportDefaultDeclaration': {
        const declaration = node.declaration;
        if (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration' || TYPE_ONLY.has(declaration.type)) return statement_(declaration, scope);
        return expression(declaration, scope);
      }
      case 'ExportAllDeclaration':
        return;
      case 'TSExportAssignment':
        return expression(node.expression, scope);
      case 'TSImportEqualsDeclaration':
        if (node.importKind === 'type') return;
        scope.declare(node.id);
        if (node.moduleReference.type !== 'TSExternalModuleReference') expression(entityRoot(node.moduleReference), scope);
        return;
      case 'VariableDeclaration':
        return variableDeclaration(node, scope);
      case 'FunctionDeclaration':
        declareFunctionName(node, scope);
        return fn(node, scope);
      case 'ClassDeclaration':
        return klass(node, scope);
      case 'TSEnumDeclaration': {
        if (node.declare) return;
        scope.declare(node.id);
        const members = new Scope(scope, false);
        for (const member of node.body?.members ?? node.members ?? []) if (member.initializer) expression(member.initializer, members);
        return;
      }
      case 'TSModuleDeclaration': {
        if (node.declare || node.id.type !== 'Identifier') return;
        scope.declare(node.id);
        let body = node.body;
        const inner = new Scope(scope, true);
        while (body?.type === 'TSModuleDeclaration') body = body.body;
        if (body) statements(body.body, inner);
        return;
      }
      case 'BlockStatement':
        return statements(node.body, new Scope(scope, false));
      case 'ForStatement': {
        const loop = new Scope(scope, false);
        if (node.init?.type === 'VariableDeclaration') variableDeclaration(node.init, loop);
        else if (node.init) expression(node.init, loop);
        expression(node.test, loop);
        expression(node.update, loop);
        return statement_(node.body, loop);
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const loop = new Scope(scope, false);
        if (node.left.type === 'VariableDeclaration') {
          const into = node.left.kind === 'var' ? scope.varScope : loop;
          for (const declarator of node.left.declarations) declarePattern(declarator.id, into, loop, true);
        } else target(node.left, loop, false);
        expression(node.right, loop);
        return statement_(node.body, loop);
      }
      case 'SwitchStatement': {
        expression(node.discriminant, scope);
        const cases = new Scope(scope, false);
        for (const clause of node.cases) {
          expression(clause.test, cases);
          statements(clause.consequent, cases);
        }
        return;
      }
      case 'TryStatement':
        statement_(node.block, scope);
        if (node.handler) {
          const handler = new Scope(scope, false);
          declarePattern(node.handler.param, handler, handler, false);
          statements(node.handler.body.body, new Scope(handler, false));
        }
        if (node.finalizer) statement_(node.finalizer, scope);
        return;
      case 'LabeledStatement':
        return statement_(node.body, scope);
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'EmptyStatement':
      case 'DebuggerStatement':
        return;
      case 'ExpressionStatement':
        return expression(node.expression, scope);
      default:
        // if, while, do-while, return, throw, with and the like: their parts, statements or expressions.
        return children(node, scope);
    }
  };

  /** Walks every child of a node the walk has no rule for, as statements or expressions. */
  const children = (node: Node, scope: Scope) => {
    for (const key in node) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'range' || key === 'loc' || key === 'parent') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (item && typeof item.type === 'string') visit(item, scope);
      } else if (value && typeof value.type === 'string') visit(value, scope);
    }
  };

  const visit = (node: Node, scope: Scope) => {
    if (/Statement$|Declaration$/.test(node.type)) statement_(node, scope);
    else expression(node, scope);
  };

  const expression = (node: Node, scope: Scope): void => {
    if (!node || TYPE_ONLY.has(node.type)) return;
    switch (node.type) {
      case 'Identifier':
        return reference(node, scope, true, false);
      case 'Literal':
      case 'ThisExpression':
      case 'Super':
      case 'MetaProperty':
      case 'PrivateIdentifier':
      case 'TemplateElement':
        return;
      case 'MemberExpression':
        expression(node.object, scope);
        if (node.computed) expression(node.property, scope);
        return;
      case 'Property':
        if (node.computed) expression(node.key, scope);
        return expression(node.value, scope);
      case 'AssignmentExpression':
        target(node.left, scope, node.operator !== '=');
        return expression(node.right, scope);
      case 'UpdateExpression':
        return target(node.argument, scope, true);
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return fn(node, scope);
      case 'ClassExpression':
        return klass(node, scope);
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
        return expression(node.expression, scope);
      case 'JSXIdentifier':
        return;
      case 'JSXOpeningElement':
        jsxName(node.name, scope);
        for (const attribute of node.attributes) expression(attribute.type === 'JSXSpreadAttribute' ? attribute.argument : attribute.value, scope);
        return;
      case 'JSXClosingElement':
        return;
      case 'JSXExpressionContainer':
        return expression(node.expression, scope);
      default:
        if (FUNCTION.has(node.type)) return fn(node, scope);
        return children(node, scope);
    }
  };

  /** `<Foo />`, `<Foo.Bar />` read `Foo`; `<div />` reads nothing. */
  const jsxName = (name: Node, scope: Scope) => {
    if (name.type === 'JSXIdentifier') {
      if (/^[A-Z_$]/.test(name.name)) reference(name, scope, true, false);
    } else if (name.type === 'JSXMemberExpression') {
      let object = name.object;
      while (object.type === 'JSXMemberExpression') object = object.object;
      if (object.type === 'JSXIdentifier') reference(object, scope, true, false);
    }
  };

  statements(program.body, moduleScope);

  // Resolve: each reference belongs to the nearest scope that declares its name.
  const selfReferences = new Map<Scope, Reference[]>();
  const owners = new Set(classScopes.values());
  const capturing = new Set<Node>();
  const selfNames = new Map<Node, Reference[]>();
  const captured = new Map<Node, Map<Variable, Scope>>();
  const written = new Set<Variable>();
  for (const { scope, reference: ref } of pending) {
    const name = ref.identifier.name;
    for (let current: Scope | null = scope; current; current = current.parent) {
      const variable = current.variables.get(name);
      if (!variable) continue;
      if (current !== moduleScope && current !== scope) {
        // Every function between the reference and the declaring scope closes over it.
        for (let crossed: Scope | null = scope; crossed && crossed !== current; crossed = crossed.parent) {
          if (!crossed.fn) continue;
          if (current.selfOf === crossed.fn) {
            let list = selfNames.get(crossed.fn);
            if (!list) selfNames.set(crossed.fn, (list = []));
            list.push(ref);
          } else {
            capturing.add(crossed.fn);
            let map = captured.get(crossed.fn);
            if (!map) captured.set(crossed.fn, (map = new Map()));
            map.set(variable, current);
          }
        }
      }
      if (ref.write && !ref.init) written.add(variable);
      if (current === moduleScope) variable.references.push(ref);
      else if (owners.has(current)) {
        let list = selfReferences.get(current);
        if (!list) selfReferences.set(current, (list = []));
        list.push(ref);
      }
      break;
    }
  }

  return {
    variables: moduleScope.variables,
    classSelfReferences: (classNode) => {
      const scope = classScopes.get(classNode);
      return scope ? selfReferences.get(scope) ?? [] : [];
    },
    capturesLocal: (functionNode) => capturing.has(functionNode),
    selfNameReferences: (functionNode) => selfNames.get(functionNode) ?? [],
    capturedVariables: (functionNode) =>
      [...(captured.get(functionNode) ?? new Map<Variable, Scope>())].map(([variable, scope]) => ({
        name: variable.name,
        owner: scope.fn ?? scope.bodyOf ?? null,
        parameter: scope.fn !== null,
        written: written.has(variable),
        declaredAt: (variable.identifiers[0] as Node)?.start ?? 0,
      })),
  };
}

/** `A` of `A.B.C` in `import x = A.B.C`. */
function entityRoot(node: Node): Node {
  while (node.type === 'TSQualifiedName') node = node.left;
  return node;
}
