import { type Depex, type DepexExpr, encodeDepex, type GuidResolver, parseDepexText } from '../../firmware/depex';
import { FFS_STATE_COMMITTED, type FfsFile, FfsFileType, FILE_TYPE_NAMES, fileTypeFromName, isRawFileType, type Section } from '../../firmware/fv';
import { type Guid, GuidRegistry } from '../../firmware/guid';
import { closeWords } from './close-words';
import { SupervisorGuids } from '../../supervisor/core/supervisor-guids';
import type { DriverImageSpec } from './driver-action';
import { DriverActionError } from './driver-errors';
import { buildDriverImage } from './driver-image';

/** What `buildDriverFile` packages: the image spec plus how the FFS file looks. */
export interface DriverFileSpec extends DriverImageSpec {
  /** DEPEX text (`TRUE`, `gA AND (gB OR NOT gC)`, `BEFORE Name`, …); '' or undefined: no MM_DEPEX section. */
  depex?: string;
  /** FFS file type name or number (default MM_STANDALONE). */
  type?: string | number;
  /**
   * AND the depex with the Ring 3 broker's ready protocol, as a build that links the package's
   * StandaloneMmServicesTableLib does (default true; BEFORE/AFTER depexes are never changed).
   */
  linkBrokerReady?: boolean;
  /** Resolves symbolic names in the depex (default: well-known names, else the name-derived GUID). */
  resolve?: GuidResolver;
}

/**
 * gMmRing3HandlerReadyProtocol: the `[Depex]` of MmSupervisorPkg's StandaloneMmServicesTableLib, installed by
 * the broker at the end of its entry (supervisor-facts §2.6, §0.4).
 */
export const BROKER_READY_PROTOCOL: Guid = SupervisorGuids.ring3HandlerReady;

/**
 * The depex a build produces for a module that links the user-mode services-table library (supervisor-facts
 * §2.6; DESIGN.md "the firmware volume holds the MM drivers"): the module's expression ANDed with
 * gMmRing3HandlerReadyProtocol. BEFORE/AFTER depexes are left alone (a build gives them no library depex);
 * `SOR` stays first; a module depex of plain TRUE becomes the library's alone (the same truth value; edk2's
 * depex optimiser drops the TRUE operand of an all-AND expression).
 */
export function linkBrokerReadyDepex(d: Depex): Depex {
  if (d.kind !== 'expression') return d;
  const ready: DepexExpr = { op: 'push', guid: BROKER_READY_PROTOCOL };
  return { kind: 'expression', sor: d.sor, expr: d.expr.op === 'true' ? ready : { op: 'and', a: d.expr, b: ready } };
}

/** The FILE_GUID a driver gets when none is given: its well-known GUID, else the GUID derived from its name. */
export function driverGuidFor(name: string, registry: GuidRegistry = new GuidRegistry()): Guid {
  return registry.resolve(name);
}

/**
 * Packages a driver as an FFS file for a firmware volume: PE32 (the image of `buildDriverImage`), MM_DEPEX
 * (when a depex is given; a file without one is never dispatched, supervisor-facts §2.1) and USER_INTERFACE
 * (the name), in that order.
 */
export function buildDriverFile(spec: DriverFileSpec): FfsFile {
  const type = typeof spec.type === 'number' ? spec.type : spec.type === undefined ? FfsFileType.MM_STANDALONE : fileTypeFromName(spec.type);
  if (type === undefined || !Number.isInteger(type) || type < 0 || type > 0xff) {
    const word = String(spec.type);
    throw new DriverActionError('DRIVER_BUILD_INVALID', undefined, `${spec.name}.type`, `unknown FFS file type ${JSON.stringify(word)} (expected a name such as MM_STANDALONE or a number)`, closeWords(word, FILE_TYPE_NAMES));
  }
  if (isRawFileType(type)) {
    throw new DriverActionError('DRIVER_BUILD_INVALID', undefined, `${spec.name}.type`, `a ${type === FfsFileType.RAW ? 'RAW' : 'FFS_PAD'} file has no sections, so it cannot carry a driver`);
  }
  const sections: Section[] = [{ kind: 'pe32', data: buildDriverImage(spec) }];
  const depexText = spec.depex?.trim() ?? '';
  if (depexText !== '') {
    const resolve = spec.resolve ?? ((reg: GuidRegistry) => (n: string) => reg.resolve(n))(new GuidRegistry());
    const parsed = parseDepexText(depexText, resolve);
    sections.push({ kind: 'mmDepex', data: encodeDepex(spec.linkBrokerReady === false ? parsed : linkBrokerReadyDepex(parsed)) });
  }
  sections.push({ kind: 'ui', name: spec.name });
  return { name: spec.guid, type, attributes: 0, state: FFS_STATE_COMMITTED, content: { sections } };
}
