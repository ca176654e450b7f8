import { parsePeImage } from '../../firmware/pe';
import type { Hob } from '../../firmware/hob';
import { runOutsideMm } from '../../platform/firmware-context';
import type { PageAttributes } from '../../supervisor/mem/page-attributes';
import { SupervisorGuids as G } from '../../supervisor/core/supervisor-guids';
import type { ScenarioPlatform } from './scenario-platform';
import { ScenarioError } from './scenario-errors';

const PAGE = 0x1000;
const hex = (v: number | bigint) => `0x${v.toString(16)}`;

export interface Region {
  base: number;
  size: number;
  what: string;
}

export const NAMED_REGIONS = ['supervisor comm buffer', 'user comm buffer', 'supervisor mailbox', 'user mailbox', 'MM core image', 'firmware policy', 'MMRAM copy of the HOB list'] as const;
export type NamedRegion = (typeof NAMED_REGIONS)[number];

function runtime(p: ScenarioPlatform) {
  const rt = p.core?.runtime;
  if (!rt) throw new ScenarioError('SCENARIO_NO_SUPERVISOR', 'the supervisor has not finished its initialisation');
  return rt;
}

/**
 * Where a named region is, read from firmware-side state: the comm buffers and mailboxes the IPL / DXE support
 * driver talks through (after a COMM_UPDATE, the new ones), the core image the IPL loaded (its module HOB), the
 * policy pages and the HOB-list copy the core registered.
 */
export function namedRegion(p: ScenarioPlatform, name: NamedRegion): Region {
  const channel = p.booted.supervisorChannel;
  switch (name) {
    case 'supervisor comm buffer':
    case 'user comm buffer':
    case 'supervisor mailbox':
    case 'user mailbox': {
      if (!channel) throw new ScenarioError('SCENARIO_NO_CHANNEL', 'no MM communication channel is installed yet');
      const c = channel.channels[name.startsWith('supervisor') ? 'supervisor' : 'user'];
      return name.endsWith('mailbox') ? { base: Number(c.mailbox), size: PAGE, what: name } : { base: Number(c.buffer), size: Number(c.pages) * PAGE, what: name };
    }
    case 'MM core image': {
      const hob = p.booted.hobs!.read().find((h) => h.kind === 'memoryAllocationModule' && h.moduleName === G.core);
      if (!hob || hob.kind !== 'memoryAllocationModule') throw new ScenarioError('SCENARIO_NO_HOB', 'no memory-allocation-module HOB names the MM core');
      return { base: Number(hob.memoryBaseAddress), size: Number(hob.memoryLength), what: name };
    }
    case 'firmware policy': {
      const l = runtime(p).policyLoad;
      if (!l.loaded || l.firmwarePolicy.address === undefined) throw new ScenarioError('SCENARIO_NO_POLICY', 'the supervisor loaded no firmware policy');
      return { base: Number(l.firmwarePolicy.address), size: Math.ceil(l.firmwarePolicy.blob.length / PAGE) * PAGE, what: name };
    }
    case 'MMRAM copy of the HOB list': {
      const rt = runtime(p);
      return { base: Number(rt.hobListCopy), size: Math.ceil(hobListLengthAt(p, Number(rt.hobListCopy)) / PAGE) * PAGE, what: name };
    }
  }
}

/** Length of the HOB list at `address` in MMRAM: HOB headers (Type u16, Length u16) walked to END_OF_HOB_LIST. */
function hobListLengthAt(p: ScenarioPlatform, address: number): number {
  const smm = p.machine!.smm;
  let at = address;
  for (let n = 0; n < 100_000; n++) {
    const type = smm.u16(at);
    const length = smm.u16(at + 2);
    if (type === 0xffff) return at + 8 - address;
    if (length < 8) break;
    at += length;
  }
  return at - address;
}

/** The code (executable) or data (writable) sections of a loaded MM driver, from the PE headers in MMRAM. */
export function driverSections(p: ScenarioPlatform, driverGuid: string, which: 'code' | 'data'): Region[] {
  const rt = runtime(p);
  const img = rt.images.images.find((i) => i.guid === driverGuid);
  if (!img) throw new ScenarioError('SCENARIO_DRIVER_NOT_LOADED', `the MM driver ${driverGuid} is not loaded`);
  const base = Number(img.base);
  const info = parsePeImage(p.machine!.smm.read(base, img.size), `image of ${img.name} in MMRAM`);
  return info.sections
    .filter((s) => (which === 'code' ? s.executable : s.writable && !s.executable))
    .map((s) => ({ base: base + s.virtualAddress, size: Math.ceil(Math.max(s.virtualSize, 1) / PAGE) * PAGE, what: `${img.name} ${s.name}` }));
}

/** Pages of `r` whose attributes differ from `want` (for "present" wants, all four bits must match). */
export function pagesNotMatching(p: ScenarioPlatform, r: Region, want: PageAttributes | ((a: PageAttributes) => boolean)): { address: number; attributes: PageAttributes }[] {
  const bad: { address: number; attributes: PageAttributes }[] = [];
  const ptm = runtime(p).ptm;
  for (let a = Math.floor(r.base / PAGE) * PAGE; a < r.base + r.size; a += PAGE) {
    const got = ptm.query(a).attributes;
    const ok = typeof want === 'function'
      ? want(got)
      : want.present ? got.present && got.user === want.user && got.writable === want.writable && got.executable === want.executable : !got.present;
    if (!ok) bad.push({ address: a, attributes: got });
  }
  return bad;
}

/**
 * Present leaves of the MM page table outside MMRAM that no rule of §1.6 / §7 explains: MMIO and
 * FIRMWARE_DEVICE resource HOBs (step 2), the comm buffers and mailboxes in use (step 3), unblocked ranges (§7),
 * IOMMU protected regions (step 5). MMRAM is what the core's MMRAM-range HOB described.
 */
export function unexplainedPresentPagesOutsideMmram(p: ScenarioPlatform): Region[] {
  const rt = runtime(p);
  const hobs: Hob[] = p.booted.hobs!.read();
  const mmram = rt.inputs.mmramRanges.map((r) => ({ base: Number(r.physicalStart), size: Number(r.physicalSize) }));
  const allowed: Region[] = [];
  for (const h of hobs) {
    if ((h.kind === 'resourceDescriptor' || h.kind === 'resourceDescriptor2') && (h.resourceType === 1 || h.resourceType === 3)) {
      allowed.push({ base: Number(h.physicalStart), size: Number(h.resourceLength), what: 'MMIO / firmware device' });
    }
    if (h.kind === 'guidExtension' && h.payload.kind === 'protectedRegion' && h.payload.regionType === 0n) {
      allowed.push({ base: Number(h.payload.address), size: Number(h.payload.pages) * PAGE, what: 'IOMMU region' });
    }
  }
  for (const name of ['supervisor comm buffer', 'user comm buffer', 'supervisor mailbox', 'user mailbox'] as const) allowed.push(namedRegion(p, name));
  for (const e of rt.unblock.entries()) allowed.push({ base: Number(e.physicalStart), size: Number(e.numberOfPages) * PAGE, what: 'unblocked' });
  const inside = (a: number, rs: readonly { base: number; size: number }[]) => rs.some((r) => a >= r.base && a < r.base + r.size);
  const out: Region[] = [];
  for (const leaf of rt.ptm.leaves()) {
    if (!leaf.attributes.present) continue;
    for (let a = leaf.base; a < leaf.base + leaf.size; a += PAGE) {
      if (inside(a, mmram) || inside(a, allowed)) continue;
      const last = out[out.length - 1];
      if (last && last.base + last.size === a) last.size += PAGE;
      else out.push({ base: a, size: PAGE, what: `present outside MMRAM (leaf ${hex(leaf.base)})` });
    }
  }
  return out;
}

/** x86 for an IN/OUT byte access to PCI configuration register `reg` of the host bridge (0:0.0). */
function pciConfigByte(reg: number, value: number | null): number[] {
  const address = 0x80000000 | (reg & 0xfc);
  const dataPort = 0xcfc + (reg & 3);
  const code = [
    0xba, 0xf8, 0x0c, 0x00, 0x00, // mov edx, 0xCF8
    0xb8, ...le32(address), // mov eax, address
    0xef, // out dx, eax
    0xba, ...le32(dataPort), // mov edx, data port
  ];
  if (value === null) code.push(0xec); // in al, dx
  else code.push(0xb0, value & 0xff, 0xee); // mov al, value; out dx, al
  return code;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/**
 * Code outside MM on CPU 0 tries to open MMRAM through the host bridge (x86-smm-facts §2.2): SMRAMC (0x9D) with
 * D_OPEN and G_SMRAME and D_LCK clear, then ESMRAMC (0x9E) with T_EN clear — real OUT instructions. The chipset
 * decides what sticks.
 */
export function outsideOpensMmram(p: ScenarioPlatform): void {
  const code = [...pciConfigByte(0x9d, 0x4a), ...pciConfigByte(0x9e, 0x38)];
  p.machine!.trace.record('outside-code', { action: 'open MMRAM through SMRAMC/ESMRAMC' });
  runOutsideMm(p.machine!, 0, Uint8Array.from(code));
}

/** Code outside MM writes one byte at `address` (`mov byte [rdi], value` on CPU 0). */
export function outsideWritesByte(p: ScenarioPlatform, address: bigint, value: number): void {
  const code = [0x48, 0xbf, ...le64(address), 0xc6, 0x07, value & 0xff]; // mov rdi, address; mov byte [rdi], value
  p.machine!.trace.record('outside-code', { action: 'write byte', address, value });
  runOutsideMm(p.machine!, 0, Uint8Array.from(code));
}

/** Code outside MM writes `value` to MSR `msr` on every CPU (`wrmsr` at CPL0 outside SMM). */
export function outsideWritesMsr(p: ScenarioPlatform, msr: number, value: bigint): void {
  const code = [
    0xb9, ...le32(msr), // mov ecx, msr
    0xb8, ...le32(Number(value & 0xffffffffn)), // mov eax, low
    0xba, ...le32(Number(value >> 32n)), // mov edx, high
    0x0f, 0x30, // wrmsr
  ];
  p.machine!.trace.record('outside-code', { action: 'wrmsr', msr, value });
  for (let i = 0; i < p.machine!.cpus.length; i++) runOutsideMm(p.machine!, i, Uint8Array.from(code));
}

function le64(v: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
}
