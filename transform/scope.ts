/**
 * Scope analysis over oxc-parser's ESTree/TS-ESTree AST, delegated to eslint-scope.
 * oxc's visitor keys tell eslint-scope how to walk every node; keys that only hold
 * TypeScript types are dropped so a type name is never taken for a value reference.
 */
import { analyze, type Scope, type ScopeManager } from 'eslint-scope';
import { visitorKeys } from 'oxc-parser';

const TYPE_KEYS = new Set([
  'typeAnnotation',
  'typeParameters',
  'typeArguments',
  'returnType',
  'superTypeArguments',
  'superTypeParameters',
  'implements',
]);

/** TypeScript nodes that declare types only: nothing inside them is a value reference. */
const TYPE_ONLY_NODES = new Set([
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSDeclareFunction',
  'TSModuleDeclaration',
  'TSEnumDeclaration',
  'TSImportEqualsDeclaration',
  'TSNamespaceExportDeclaration',
  'TSAbstractMethodDefinition',
  'TSAbstractPropertyDefinition',
  'TSAbstractAccessorProperty',
  'TSIndexSignature',
]);

/** TypeScript nodes that wrap a value expression or parameter: walk their value parts. */
const TS_VALUE_NODES = new Set([
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'TSInstantiationExpression',
  'TSParameterProperty',
  'TSExportAssignment',
]);

const keys: Record<string, string[]> = {};
for (const [type, nodeKeys] of Object.entries(visitorKeys)) {
  keys[type] = TYPE_ONLY_NODES.has(type) || (type.startsWith('TS') && !TS_VALUE_NODES.has(type))
    ? []
    : nodeKeys.filter((key) => !TYPE_KEYS.has(key));
}

/** Runs eslint-scope on a module AST. */
export function analyzeModule(program: object): { manager: ScopeManager; moduleScope: Scope } {
  const manager = analyze(program as never, {
    ecmaVersion: 2026 as never,
    sourceType: 'module',
    childVisitorKeys: keys,
    fallback: (node: { type: string }) => keys[node.type] ?? [],
  });
  const global = manager.globalScope;
  const moduleScope = global?.childScopes.find((scope) => scope.type === 'module');
  if (!moduleScope) throw new Error('eslint-scope produced no module scope');
  return { manager, moduleScope };
}
