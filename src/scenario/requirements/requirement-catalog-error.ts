import { MmspecError } from '../../common/errors';

/** Stable codes of the ways a requirement catalog can be wrong. */
export const REQUIREMENT_CATALOG_ERROR_CODES = [
  'REQUIREMENT_CATALOG_UNREADABLE', // the file cannot be read
  'REQUIREMENT_CATALOG_SYNTAX', // not valid YAML
  'REQUIREMENT_CATALOG_SHAPE', // wrong structure: not a mapping/list, unknown key, value of the wrong type
  'REQUIREMENT_CATALOG_MISSING_FIELD', // a required field is absent or empty
  'REQUIREMENT_CATALOG_BAD_ID', // an ID that is not SUPV-nnn or SEED-ddd-nnn
  'REQUIREMENT_CATALOG_DUPLICATE_ID', // the same ID twice
  'REQUIREMENT_CATALOG_UNSORTED', // IDs out of catalog order
  'REQUIREMENT_CATALOG_UNKNOWN_AREA', // an area outside the fixed list
  'REQUIREMENT_CATALOG_AREAS_MISMATCH', // the file's area list differs from the loader's
  'REQUIREMENT_CATALOG_MULTILINE', // a statement, source or reason spanning more than one line
  'REQUIREMENT_CATALOG_SOURCE_MISMATCH', // a source that does not name the document (or §12 item) the ID points to
  'REQUIREMENT_CATALOG_REASON', // testable: false without a reason, or a reason on a testable requirement
] as const;

export type RequirementCatalogErrorCode = (typeof REQUIREMENT_CATALOG_ERROR_CODES)[number];

/** A requirement catalog that cannot be read or is not valid; the message names file:line:column and the field. */
export class RequirementCatalogError extends MmspecError {
  constructor(
    code: RequirementCatalogErrorCode,
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly field: string,
    readonly detail: string,
  ) {
    super(code, `${file}:${line}:${column}: ${field}: ${detail}`);
  }
}
