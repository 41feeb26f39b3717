/**
 * Errors of the template language. They share one base class so the engine can turn any
 * of them into a failed task with one `instanceof` check.
 */

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A variable (or a key or index below it) that does not exist and was not guarded. */
export class UndefinedVariableError extends TemplateError {
  /** The dotted path as written in the expression, e.g. `k3s.data_dir` or `hosts[0]`. */
  readonly variable: string;
  constructor(variable: string) {
    super(`undefined variable: ${variable}`);
    this.variable = variable;
  }
}

/** The text cannot be parsed: unclosed `{{`, a stray token, an unknown filter. */
export class TemplateSyntaxError extends TemplateError {}

/** The expression parsed but cannot be computed: wrong operand types, bad JSON, division by zero. */
export class TemplateEvaluationError extends TemplateError {}
