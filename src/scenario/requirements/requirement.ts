/**
 * One requirement of the catalog (fixtures/requirements/catalog.yaml) and the fixed list of areas that group
 * them in the conformance report. The YAML file lists the same areas, each with a one-line description; the
 * loader refuses a file whose list differs from this one.
 */
export const REQUIREMENT_AREAS = [
  'boot-and-lock',
  'essential-drivers',
  'dispatch-order',
  'mm-services',
  'privilege',
  'syscalls',
  'isolation-policy',
  'save-state-policy',
  'memory-protection',
  'memory-unblock',
  'supervisor-requests',
  'mmi-routing',
  'faults-and-telemetry',
  'secured-core',
  'smm-entry',
  'platform-firmware',
] as const;

export type RequirementArea = (typeof REQUIREMENT_AREAS)[number];

export function isRequirementArea(name: string): name is RequirementArea {
  return (REQUIREMENT_AREAS as readonly string[]).includes(name);
}

export interface Requirement {
  /** `SUPV-nnn` (supervisor-facts §12 item nnn) or `SEED-ddd-nnn` (statement nnn of seed document ddd). */
  readonly id: string;
  /** One line, in our own words. */
  readonly statement: string;
  /** Document file name and section, e.g. `supervisor-facts.md §12 item 45 (§4.7.1)`. */
  readonly source: string;
  readonly area: RequirementArea;
  /** False only for statements that cannot be checked in the emulator; `reason` then says why. */
  readonly testable: boolean;
  readonly reason?: string;
}

export interface RequirementCatalog {
  /** The file the catalog was read from. */
  readonly source: string;
  /** In catalog order: SUPV by number, then SEED by document and number. */
  readonly requirements: readonly Requirement[];
  /** The areas in their fixed order. */
  readonly areas: readonly RequirementArea[];
  byId(id: string): Requirement | undefined;
  /** The one-line description of an area, as the catalog file gives it. */
  areaDescription(area: RequirementArea): string;
  /** The requirements of one area, in catalog order. */
  inArea(area: RequirementArea): readonly Requirement[];
  /** Close known IDs for an unknown one (see suggestRequirementIds). */
  suggest(unknownId: string, limit?: number): string[];
}
