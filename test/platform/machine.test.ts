import { describe, it } from 'node:test';
import { expect } from 'chai';
import { SMRAMC, ESMRAMC, MCH_ESMRAMC, MCH_SMRAM } from '../../src/platform/chipset/q35-chipset';
import { PciConfigPorts } from '../../src/platform/devices/pci-config';
import { installFirmwareContext, parkCpu, runOutsideMm } from '../../src/platform/firmware-context';
import { Machine } from '../../src/platform/machine';
import { MachineStop } from '../../src/platform/machine-stop';
import { q35Spec } from '../../src/platform/q35-spec';
import { SmramSaveStateMap } from '../../src/cpu/smm/save-state-map';

/** A machine whose SMI handler is one real RSM at every CPU's SMBASE+0x8000. */
function machineWithRsmHandlers(cpus = 2): Machine {
  const m = new Machine(q35Spec({ cpus }));
  installFirmwareContext(m);
  for (const c of m.cpus) {
    parkCpu(c);
    m.ram.write(c.smm.smbase + 0x8000, Uint8Array.of(0x0f, 0xaa));
  }
  return m;
}

function configWrite(m: Machine, offset: number, value: number): void {
  m.ports.write(0xcf8, 4, PciConfigPorts.address(offset), null);
  m.ports.write(0xcfc + (offset & 3), 1, value, null);
}

const outB2 = (cmd: number) => Uint8Array.of(0xb0, cmd, 0xe6, 0xb2); // mov al, cmd ; out 0xb2, al

describe('platform: Q35 chipset SMRAM control', () => {
  it('TSEG is open at reset and reads as RAM from outside SMM', () => {
    const m = machineWithRsmHandlers();
    const tseg = m.chipset.tsegBase;
    m.outside.setU32(tseg, 0x12345678);
    expect(m.chipset.smramState()).to.equal('open');
    expect(m.outside.u32(tseg)).to.equal(0x12345678);
  });

  it('closing TSEG (T_EN with G_SMRAME) black-holes non-SMM accesses; SMM still sees RAM', () => {
    const m = machineWithRsmHandlers();
    const tseg = m.chipset.tsegBase;
    m.smm.setU32(tseg, 0xcafef00d);
    configWrite(m, MCH_SMRAM, SMRAMC.G_SMRAME);
    configWrite(m, MCH_ESMRAMC, ESMRAMC.T_EN | 0x38);
    expect(m.chipset.smramState()).to.equal('closed');
    expect(Array.from(m.outside.read(tseg, 8))).to.deep.equal(new Array(8).fill(0xff));
    m.outside.setU32(tseg, 0);
    expect(m.smm.u32(tseg)).to.equal(0xcafef00d);
  });

  it('a CPU outside SMM reads all-ones from closed TSEG through its own page walk', () => {
    const m = machineWithRsmHandlers();
    const tseg = m.chipset.tsegBase;
    m.smm.setU64(tseg + 0x100, 0x1122334455667788n);
    configWrite(m, MCH_SMRAM, SMRAMC.G_SMRAME);
    configWrite(m, MCH_ESMRAMC, ESMRAMC.T_EN | 0x38);
    // mov rax, [rbx]
    const r = runOutsideMm(m, 0, Uint8Array.of(0x48, 0x8b, 0x03), { rbx: BigInt(tseg + 0x100) });
    expect(r.rax).to.equal(0xffffffffffffffffn);
  });

  it('once locked, SMRAM cannot be reopened until reset', () => {
    const m = machineWithRsmHandlers();
    configWrite(m, MCH_SMRAM, SMRAMC.G_SMRAME | SMRAMC.D_OPEN);
    configWrite(m, MCH_ESMRAMC, ESMRAMC.T_EN | 0x38);
    configWrite(m, MCH_SMRAM, SMRAMC.G_SMRAME | SMRAMC.D_LCK);
    expect(m.chipset.smramState()).to.equal('locked');
    expect(m.chipset.smramc & SMRAMC.D_OPEN).to.equal(0);
    configWrite(m, MCH_ESMRAMC, 0x38); // try to clear T_EN
    configWrite(m, MCH_SMRAM, SMRAMC.G_SMRAME | SMRAMC.D_OPEN); // try to reopen, clear the lock
    expect(m.chipset.smramState()).to.equal('locked');
    expect(Array.from(m.outside.read(m.chipset.tsegBase, 4))).to.deep.equal([0xff, 0xff, 0xff, 0xff]);
    m.chipset.reset();
    expect(m.chipset.smramState()).to.equal('open');
  });
});

describe('platform: SMIs', () => {
  it('a write to port 0xB2 raises an SMI on every CPU; each enters and leaves SMM', () => {
    for (const cpus of [1, 2, 4]) {
      const m = machineWithRsmHandlers(cpus);
      runOutsideMm(m, 0, outB2(0x42));
      const entries = m.trace.ofType('cpu-smi-entry').map((e) => e.data.cpu);
      const exits = m.trace.ofType('cpu-rsm').map((e) => e.data.cpu);
      expect(entries, `${cpus} CPUs`).to.have.members([...Array(cpus).keys()]);
      expect(exits, `${cpus} CPUs`).to.have.members([...Array(cpus).keys()]);
      expect(m.cpus.every((c) => !c.inSmm && c.halted !== undefined)).to.equal(true);
      expect(m.apm.command).to.equal(0x42);
      expect(m.trace.ofType('smi')[0].data.source).to.equal('apm');
    }
  });

  it('the CPU that wrote 0xB2 saves I/O-trap information for OUT imm8; the others do not', () => {
    const m = machineWithRsmHandlers(2);
    let ioMisc0 = 0n, ioMisc1 = 0n;
    // capture the save state inside SMM by wrapping RSM
    for (const c of m.cpus) {
      const rsm = c.rsmHook;
      c.rsmHook = (cpu) => {
        const v = new SmramSaveStateMap(m.chipset, cpu.smm.smbase, 'intel').read('ioMisc');
        if (cpu.index === 0) ioMisc0 = v; else ioMisc1 = v;
        rsm(cpu);
      };
    }
    runOutsideMm(m, 0, outB2(0x55));
    // valid | length 1 (<<1) | type 8 OUT imm8 (<<4) | port 0xB2 (<<16)
    expect(ioMisc0).to.equal(BigInt((0xb2 << 16) | (8 << 4) | (1 << 1) | 1));
    expect(ioMisc1).to.equal(0n);
  });

  it('a write to the reset control port ends the run as an observable warm reset', () => {
    const m = machineWithRsmHandlers(1);
    // mov al, 6 ; mov dx, 0xcf9 ; out dx, al
    expect(() => runOutsideMm(m, 0, Uint8Array.of(0xb0, 0x06, 0x66, 0xba, 0xf9, 0x0c, 0xee))).to.throw(MachineStop);
    expect(m.state).to.deep.equal({ kind: 'warm-reset', reason: 'reset requested through port 0xCF9' });
  });
});
