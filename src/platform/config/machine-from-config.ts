import { installFirmwareContext, parkCpu } from '../firmware-context';
import { Machine, type MachineSpec } from '../machine';
import { smbaseList } from './platform-config-loader';
import type { PlatformConfig } from './platform-config';

/** The hardware part of a platform fixture as the machine takes it. */
export function machineSpecFromConfig(cfg: PlatformConfig): MachineSpec {
  return {
    cpus: cfg.cpus,
    memoryMap: cfg.memoryMap.map((r) => ({ kind: r.kind, base: Number(r.base), size: Number(r.size), name: r.name })),
    tsegBase: Number(cfg.tseg.base),
    tsegSize: Number(cfg.tseg.size),
    saveStateMap: cfg.saveStateMap,
    smbase: smbaseList(cfg.smbase, cfg.tseg.base, cfg.cpus).map(Number),
    maxPhysAddrBits: cfg.physicalAddressBits,
  };
}

/** A powered-on machine for a platform: the firmware context (GDT, page tables, idle loop) and every CPU parked. */
export function createPlatformMachine(cfg: PlatformConfig): Machine {
  const m = new Machine(machineSpecFromConfig(cfg));
  installFirmwareContext(m);
  for (const c of m.cpus) parkCpu(c);
  return m;
}

/** The same platform with another processor count (scenario step "the platform has N processors"). */
export function withCpus(cfg: PlatformConfig, cpus: number): PlatformConfig {
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 64) throw new RangeError(`processor count ${cpus} is outside 1..64`);
  if (cfg.smbase.kind === 'explicit' && cfg.smbase.bases.length < cpus) {
    throw new RangeError(`${cfg.source}: smbase lists ${cfg.smbase.bases.length} SMBASEs, fewer than ${cpus} processors`);
  }
  const bases = smbaseList(cfg.smbase, cfg.tseg.base, cpus);
  const last = bases[bases.length - 1];
  if (last + 0x10000n > cfg.tseg.base + cfg.tseg.size) throw new RangeError(`${cpus} processors do not fit their SMBASE areas into TSEG`);
  return { ...cfg, cpus };
}
