import type { RequirementCatalog } from '../../scenario/requirements/requirement-catalog';

/**
 * A requirement as the reports use it: the catalog's fields (src/scenario/requirements, loaded from
 * fixtures/requirements/catalog.yaml), as plain data.
 */
export interface CatalogRequirement {
  id: string;
  statement: string;
  /** Source document and section, e.g. `supervisor-facts.md §12 item 45 (§4.7.1)`. */
  source: string;
  /** Report area, e.g. `dispatch-order`. */
  area: string;
  /** False for statements the emulator cannot check (`reason` says why); they are reported, never "missing". */
  testable: boolean;
  reason?: string;
}

/** An area of the summary, in catalog order. */
export interface CatalogArea {
  name: string;
  description: string;
}

/** Area name for requirements known only from tags (no catalog). */
export const DEFAULT_AREA = 'unassigned';

/** The catalog's requirements and areas, in catalog order. */
export function catalogRequirements(c: RequirementCatalog): { requirements: CatalogRequirement[]; areas: CatalogArea[] } {
  return {
    requirements: c.requirements.map((r) => ({
      id: r.id, statement: r.statement, source: r.source, area: r.area, testable: r.testable, ...(r.reason !== undefined ? { reason: r.reason } : {}),
    })),
    areas: c.areas.map((a) => ({ name: a, description: c.areaDescription(a) })),
  };
}
