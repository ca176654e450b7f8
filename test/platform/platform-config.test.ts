import { describe, it } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMmspecError } from '../../src/common/errors';
import { machineSpecFromConfig, withCpus } from '../../src/platform/config/machine-from-config';
import { loadPlatformConfig, parsePlatformConfig, PlatformConfigError } from '../../src/platform/config/platform-config-loader';
import { Q35_YAML } from './helpers/boot-fixture';

const dir = mkdtempSync(join(tmpdir(), 'mmspec-platform-'));
const POLICY = Q35_YAML.replace(join('platforms', 'q35.yaml'), join('policies', 'MmIsolationPoliciesExample.xml'));
/** q35.yaml with its policy path made absolute (the copies live in a temporary directory). */
const q35Text = readFileSync(Q35_YAML, 'utf8').replace('policy: ../policies/MmIsolationPoliciesExample.xml', `policy: ${POLICY}`);

/** Writes `text` as a fixture file next to a copy of the policy path and loads it; returns the error. */
function errorOf(text: string, name = 'bad.yaml'): PlatformConfigError {
  const file = join(dir, name);
  writeFileSync(file, text);
  try {
    loadPlatformConfig(file);
  } catch (e) {
    expect(isMmspecError(e, 'PLATFORM_CONFIG_INVALID'), String(e)).to.equal(true);
    return e as PlatformConfigError;
  }
  throw new Error('expected a PlatformConfigError');
}

const withPolicy = (body: string) => `policy: ${POLICY}\n${body}`;

describe('platform fixture q35', () => {
  it('describes 2 CPUs, ≥ 1 GiB DRAM, TSEG at the top of low memory, the essential drivers and the example policy', () => {
    const c = loadPlatformConfig(Q35_YAML);
    expect(c.cpus).to.equal(2);
    const dram = c.memoryMap.filter((r) => r.kind === 'dram').reduce((n, r) => n + r.size, 0n);
    expect(dram >= 0x40000000n).to.equal(true);
    expect(c.tseg).to.deep.equal({ base: 0x3f800000n, size: 0x800000n });
    expect(c.tseg.base + c.tseg.size).to.equal(0x40000000n);
    expect([...c.firmware.pei, ...c.firmware.dxe, ...c.firmware.mm]).to.include.members(['StandaloneMmUnblockMem', 'MmIplPei', 'MmSupervisorCore', 'MmSupervisorRing3Broker', 'MmSupervisorErrorReport']);
    expect(c.policy.endsWith('fixtures/policies/MmIsolationPoliciesExample.xml')).to.equal(true);
    expect(readFileSync(c.policy, 'utf8')).to.contain('SPDX-License-Identifier: BSD-2-Clause-Patent');
    expect(c.commBuffers).to.deep.equal({ supervisorPages: 16n, userPages: 16n });
    expect(c.dxeMemoryMap).to.deep.equal([
      { base: 0x10000000n, size: 0x10000000n, type: 6, readOnly: false },
      { base: 0x3f800000n, size: 0x800000n, type: 0, readOnly: false },
    ]);
    expect(c.supervisor).to.deep.equal({ version: 0x00170027, patchLevel: 0x00010001, maxSupervisorRequestLevel: 4n, allowVersionZero: false });
    expect(c.fatalViolation).to.equal('reset');
    const spec = machineSpecFromConfig(c);
    expect(spec.smbase).to.deep.equal([0x3f800000, 0x3f802000]);
    expect(machineSpecFromConfig(withCpus(c, 4)).smbase.length).to.equal(4);
  });

  it('keeps 64-bit numbers exact', () => {
    const c = parsePlatformConfig(withPolicy('supervisor: { maxSupervisorRequestLevel: 0xFFFFFFFFFFFFFFFF }\n'), join(dir, 'x.yaml'));
    expect(c.supervisor.maxSupervisorRequestLevel).to.equal(0xffffffffffffffffn);
  });

  it('a YAML syntax error names file:line:column', () => {
    const e = errorOf('cpus: 2\nmemory: [ { name: x\n');
    expect(e.message).to.match(/bad\.yaml:\d+:\d+: \(document\): not valid YAML/);
  });

  it('an unknown field names its position and suggests the right one', () => {
    const e = errorOf(q35Text.replace('tseg: { base: 0x3F800000, size: 0x800000 }', 'tseg: { bsae: 0x3F800000, size: 0x800000 }'));
    const line = q35Text.split('\n').findIndex((l) => l.startsWith('tseg:')) + 1;
    expect(e.message).to.equal(`${join(dir, 'bad.yaml')}:${line}:9: tseg.bsae: unknown field; expected one of base, size (did you mean base?)`);
    expect(e).to.include({ line, column: 9, field: 'tseg.bsae' });
  });

  it('a value of the wrong type names the field, what was expected and what was found', () => {
    const e = errorOf(q35Text.replace('cpus: 2', 'cpus: two'));
    expect(e.field).to.equal('cpus');
    expect(e.message).to.match(/bad\.yaml:5:7: cpus: expected an unsigned integer \(decimal or 0x…\), got "two"$/);
  });

  it('a misaligned TSEG, an unknown memory type, an unknown DXE driver, a bad SMBASE list', () => {
    expect(errorOf(q35Text.replace('tseg: { base: 0x3F800000', 'tseg: { base: 0x3F801000')).message).to.match(/bad\.yaml:18:15: tseg\.base: expected an address aligned to 0x100000 below 2\^52, got "0x3F801000"$/);
    expect(errorOf(q35Text.replace('type: EfiRuntimeServicesData', 'type: EfiRuntimeServiceData')).message).to.match(/dxeMemoryMap\[0\]\.type: expected an EFI memory type .*did you mean EfiRuntimeServicesData/);
    expect(errorOf(q35Text.replace('dxe: [MmDxeSupport,', 'dxe: [MmDxeSuport,')).message).to.match(/firmware\.dxe\[0\]: expected one of MmDxeSupport, .*got "MmDxeSuport" \(did you mean MmDxeSupport\?\)/);
    expect(errorOf(q35Text.replace('smbase: { scheme: staggered, stride: 0x2000 }', 'smbase: [0x3F800000]')).message).to.match(/smbase: expected one SMBASE per CPU \(2\), got 1/);
    expect(errorOf(q35Text.replace('fatalViolation: reset', 'fatalViolation: reboot')).message).to.match(/fatalViolation: expected one of reset, hang/);
  });

  it('windows that overlap TSEG and a missing policy file are rejected', () => {
    expect(errorOf(q35Text.replace('dxeRuntimeMemory: { base: 0x20000000, size: 0x1F800000 }', 'dxeRuntimeMemory: { base: 0x20000000, size: 0x20000000 }')).field).to.equal('dxeRuntimeMemory');
    const e = errorOf(q35Text.replace(`policy: ${POLICY}`, 'policy: ../policies/missing.xml'));
    expect(e.field).to.equal('policy');
    expect(e.message).to.match(/does not exist/);
  });

  it('the IPL alias PiSmmIpl is accepted', () => {
    const c = parsePlatformConfig(withPolicy('firmware: { pei: [MmCommunicationBufferPei, PiSmmIpl] }\n'), join(dir, 'y.yaml'));
    expect(c.firmware.pei).to.deep.equal(['MmCommunicationBufferPei', 'MmIplPei']);
  });
});
