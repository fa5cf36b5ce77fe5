export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}
