/** The parsed form of an expression: what template-parser.ts builds and template-eval.ts walks. */
export type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'name'; name: string }
  | { kind: 'attr'; object: Expr; key: string | number }
  | { kind: 'index'; object: Expr; index: Expr }
  | { kind: 'slice'; object: Expr; start?: Expr; stop?: Expr }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'dict'; entries: Array<[Expr, Expr]> }
  | { kind: 'unary'; op: 'not' | '-' | '+'; operand: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'filter'; operand: Expr; name: string; args: Expr[]; kwargs: Record<string, Expr> }
  | { kind: 'test'; operand: Expr; name: string; negated: boolean; args: Expr[] }
  | { kind: 'ternary'; test: Expr; then: Expr; otherwise: Expr };
