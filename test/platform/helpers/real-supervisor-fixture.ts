import { readFileSync } from 'node:fs';
import { loadPolicy, writePolicy } from '../../../src/firmware/policy';
import { PlatformBoot } from '../../../src/platform/boot/platform-boot';
import { createPlatformMachine, withCpus } from '../../../src/platform/config/machine-from-config';
import type { PlatformConfig } from '../../../src/platform/config/platform-config';
import { loadPlatformConfig } from '../../../src/platform/config/platform-config-loader';
import { MmSupervisorCore } from '../../../src/supervisor/core/mm-supervisor-core';
import { buildMmFirmwareVolume } from '../../../src/supervisor/package/mm-firmware-volume';
import { Q35_YAML } from './boot-fixture';

/** The q35 platform with the real supervisor model (src/supervisor) and its MM FV (core, broker, error report, policy). */
export function q35WithSupervisor(o: { cpus?: number; config?: (c: PlatformConfig) => PlatformConfig } = {}) {
  let cfg = loadPlatformConfig(Q35_YAML);
  if (o.cpus) cfg = withCpus(cfg, o.cpus);
  if (o.config) cfg = o.config(cfg);
  const machine = createPlatformMachine(cfg);
  const core = new MmSupervisorCore(machine, { rebootOnException: cfg.fatalViolation === 'reset' }).install();
  const policyBlob = writePolicy(loadPolicy(cfg.policy, readFileSync(cfg.policy)).policy);
  const mmFv = buildMmFirmwareVolume({ modules: cfg.firmware.mm, version: cfg.supervisor.version, patchLevel: cfg.supervisor.patchLevel, policyBlob });
  const boot = new PlatformBoot(machine, cfg, { mmFv });
  return { cfg, machine, core, boot };
}
