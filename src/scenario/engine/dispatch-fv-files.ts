import { compileDepex } from '../../firmware/depex';
import { DEFAULT_FV_ATTRIBUTES, blockMapFor, fvRequiredSize, writeFirmwareVolume, type FfsFile, type FirmwareVolume, type Section } from '../../firmware/fv';
import { wellKnownGuid, type Guid } from '../../firmware/guid';
import { EfiMemoryType } from '../../platform/firmware/mm-comm-layout';
import type { ScenarioDrivers } from './scenario-drivers';
import { ScenarioError } from './scenario-errors';
import type { ScenarioPlatform } from './scenario-platform';

/**
 * How a scenario shapes the FFS files of its drivers beyond what the drivers table says (dispatch-order
 * scenarios): raw MM_DEPEX bytes (malformed expressions, supervisor-facts §2.2 rules 5–6), an extra DXE_DEPEX
 * section (the MM dispatcher must ignore it, seed 001 "MM Driver Initialization"), and drivers that live in a
 * second firmware volume instead of the platform's MM FV (§1.10). The drivers are declared through
 * ScenarioDrivers as usual (so every Then step knows their names); this module only rewrites their files.
 */
interface FileShaping {
  /** File GUID → replacement MM_DEPEX bytes. */
  rawDepex: Map<Guid, Uint8Array>;
  /** File GUID → DXE_DEPEX bytes to add after the MM_DEPEX section (or after PE32 when there is none). */
  dxeDepex: Map<Guid, Uint8Array>;
  /** Files that belong to the second FV (left out of the platform's MM FV). */
  secondFv: Set<Guid>;
  /** The unshaped builder (ScenarioDrivers.files as declared). */
  base: () => FfsFile[];
}

const shaping = new WeakMap<ScenarioDrivers, FileShaping>();

/** Installs (once per scenario) the shaping of the scenario's FFS files into the platform's MM FV build. */
function shapingOf(p: ScenarioPlatform): FileShaping {
  const drivers = p.scenarioDrivers;
  let s = shaping.get(drivers);
  if (s === undefined) {
    const base = drivers.files.bind(drivers);
    const made: FileShaping = { rawDepex: new Map(), dxeDepex: new Map(), secondFv: new Set(), base };
    drivers.files = () => base().filter((f) => !made.secondFv.has(f.name)).map((f) => shapeFile(made, f));
    shaping.set(drivers, made);
    s = made;
  }
  return s;
}

function shapeFile(s: FileShaping, f: FfsFile): FfsFile {
  if (!('sections' in f.content)) return f;
  let sections: Section[] = f.content.sections;
  const raw = s.rawDepex.get(f.name);
  if (raw !== undefined) {
    const rest = sections.filter((x) => x.kind !== 'mmDepex');
    const at = rest.findIndex((x) => x.kind === 'pe32') + 1;
    sections = [...rest.slice(0, at), { kind: 'mmDepex', data: raw }, ...rest.slice(at)];
  }
  const dxe = s.dxeDepex.get(f.name);
  if (dxe !== undefined) {
    const after = Math.max(sections.findIndex((x) => x.kind === 'mmDepex'), sections.findIndex((x) => x.kind === 'pe32')) + 1;
    sections = [...sections.slice(0, after), { kind: 'dxeDepex', data: dxe }, ...sections.slice(after)];
  }
  return { ...f, content: { sections } };
}

/** "a b c" / "0x06 0x08" → bytes (the raw MM_DEPEX of a driver). */
export function parseDepexBytes(text: string, what: string): Uint8Array {
  const words = text.trim().split(/[\s,]+/).filter((w) => w !== '');
  const bytes = words.map((w) => {
    const v = /^(0x)?[0-9a-f]{1,2}$/i.test(w) ? parseInt(w.replace(/^0x/i, ''), 16) : NaN;
    if (Number.isNaN(v)) throw new ScenarioError('SCENARIO_BAD_DEPEX_BYTES', `${what}: "${w}" is not a hex byte (write the MM_DEPEX as hex bytes such as "06 08")`);
    return v;
  });
  if (bytes.length === 0) throw new ScenarioError('SCENARIO_BAD_DEPEX_BYTES', `${what}: no bytes (leave the depex column of the drivers table empty for a file without MM_DEPEX)`);
  return Uint8Array.from(bytes);
}

/** The driver `name` (already declared) gets exactly `bytes` as its MM_DEPEX section (no broker-ready AND). */
export function setRawMmDepex(p: ScenarioPlatform, name: string, bytes: Uint8Array): void {
  shapingOf(p).rawDepex.set(p.scenarioDrivers.guidOf(name), bytes);
}

/** The driver `name` (already declared) also carries a DXE_DEPEX section compiled from `depex` (x86-smm-facts §4.5). */
export function addDxeDepex(p: ScenarioPlatform, name: string, depex: string): void {
  const drivers = p.scenarioDrivers;
  shapingOf(p).dxeDepex.set(drivers.guidOf(name), compileDepex(depex, (n) => drivers.registry.resolve(n)));
}

/** The driver `name` (already declared) is packaged in the second FV rather than the platform's MM FV. */
export function moveToSecondFv(p: ScenarioPlatform, name: string): void {
  shapingOf(p).secondFv.add(p.scenarioDrivers.guidOf(name));
}

/** The second FV's files (shaped like the main FV's), in declaration order. */
export function secondFvFiles(p: ScenarioPlatform): FfsFile[] {
  const s = shapingOf(p);
  return s.base().filter((f) => s.secondFv.has(f.name)).map((f) => shapeFile(s, f));
}

/**
 * Builds the second FV, copies it into DRAM outside MMRAM and describes it with an FV HOB (PI HOB type 5) in the
 * platform's HOB list — the way a platform publishes another firmware volume. Published in PEI (before the IPL
 * runs the core) the core's FV scan sees it (§1.4 "FVs: scanned once at core entry", §2.1); published later it
 * exists only for firmware outside MM. Returns where it was placed.
 */
export function publishSecondFv(p: ScenarioPlatform, phase: 'PEI' | 'DXE'): { base: bigint; length: bigint } {
  const boot = p.booted;
  if (boot.hobs === null) throw new ScenarioError('SCENARIO_NOT_BOOTED', 'the second firmware volume can only be published once PEI runs (boot to "PEI" first)');
  const files = secondFvFiles(p);
  if (files.length === 0) throw new ScenarioError('SCENARIO_NO_SECOND_FV', 'the second firmware volume holds no MM drivers (say "the second firmware volume holds the MM drivers:" first)');
  const volume: FirmwareVolume = {
    fileSystemGuid: wellKnownGuid('gEfiFirmwareFileSystem2Guid')!, attributes: DEFAULT_FV_ATTRIBUTES, blockMap: blockMapFor(0x1000), files,
  };
  volume.blockMap = blockMapFor(fvRequiredSize(volume));
  const bytes = writeFirmwareVolume(volume);
  const pages = BigInt(Math.ceil(bytes.length / 0x1000));
  const base = boot.memory.allocatePages(phase, pages, EfiMemoryType.BootServicesData, 'second MM firmware volume');
  p.machine!.outside.write(Number(base), bytes);
  boot.hobs.add({ kind: 'fv', baseAddress: base, length: BigInt(bytes.length) });
  p.machine!.trace.record('fv-published', { phase, base, length: bytes.length, files: files.map((f) => f.name) });
  return { base, length: BigInt(bytes.length) };
}
