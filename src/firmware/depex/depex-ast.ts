import { Guid } from '../guid/guid';

/** A boolean dependency expression. */
export type DepexExpr =
  | { op: 'true' }
  | { op: 'false' }
  | { op: 'push'; guid: Guid }
  | { op: 'not'; a: DepexExpr }
  | { op: 'and'; a: DepexExpr; b: DepexExpr }
  | { op: 'or'; a: DepexExpr; b: DepexExpr };

/** A whole dependency section: BEFORE/AFTER a file, or an expression (optionally preceded by SOR). */
export type Depex =
  | { kind: 'before'; guid: Guid }
  | { kind: 'after'; guid: Guid }
  | { kind: 'expression'; sor: boolean; expr: DepexExpr };
