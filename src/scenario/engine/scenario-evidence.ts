import { efiStatusName } from '../../firmware/efi-status';
import type { DispatchEntry, EvidenceEventInput, MemoryRegion, PolicyEntryRef } from '../evidence';
import type { ScenarioPlatform } from './scenario-platform';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/**
 * The parts of a scenario's evidence (src/scenario/evidence.ts) from its machine: the event trace (with the paging
 * audit's findings appended), the memory map with MM page attributes, the dispatch order and the policy entries
 * that decided something.
 */
export function scenarioEvidenceParts(p: ScenarioPlatform): { events: EvidenceEventInput[]; memoryMap?: { regions: MemoryRegion[] }; dispatchOrder?: DispatchEntry[]; policyEntries: PolicyEntryRef[] } {
  const machine = p.machine;
  if (machine === undefined) return { events: [], policyEntries: [] };
  for (const f of p.pagingAudit()) machine.trace.record('paging-audit', { check: f.check, severity: f.severity, base: f.base, size: f.size, detail: f.detail });
  const events = machine.trace.events.map((e) => ({ seq: e.seq, type: e.type, milestone: e.milestone, data: e.data }));
  const rt = p.core?.runtime;
  const policy = p.core?.policy ?? null;
  const policyEntries: PolicyEntryRef[] = [];
  for (const e of machine.trace.events) {
    if (e.type !== 'policy' || typeof e.data.root !== 'number' || typeof e.data.entry !== 'number' || policy === null) continue;
    const root = policy.roots[e.data.root];
    if (root) policyEntries.push({ policy: p.policyName ?? 'policy', kind: root.kind, index: e.data.entry });
  }
  if (rt === undefined) return { events, policyEntries };
  const regions: MemoryRegion[] = [];
  const attrs = (a: bigint) => p.describePage(a);
  for (const r of rt.inputs.mmramRanges) regions.push({ base: hex(r.physicalStart), size: hex(r.physicalSize), kind: 'mmram', label: 'MMRAM (TSEG)' });
  for (const [label, c] of [['supervisor', rt.buffers.supervisor], ['user', rt.buffers.user]] as const) {
    regions.push({ base: hex(c.address), size: hex(c.pages * 0x1000n), kind: 'comm-buffer', label: `${label} comm buffer`, attributes: attrs(c.address) });
    regions.push({ base: hex(c.mailbox), size: '0x18', kind: 'mailbox', label: `${label} mailbox`, attributes: attrs(c.mailbox) });
  }
  for (const u of rt.unblock.entries()) {
    if (u.identifierGuid === '4e4c89dc-a452-4b6b-b183-f16a2a223733') continue; // the comm buffers above
    regions.push({ base: hex(u.physicalStart), size: hex(u.numberOfPages * 0x1000n), kind: 'unblocked', label: `unblocked for ${u.identifierGuid}`, attributes: attrs(u.physicalStart) });
  }
  for (const r of rt.inputs.resourceDescriptors.filter((x) => x.resourceType === 1)) {
    regions.push({ base: hex(r.physicalStart), size: hex(r.resourceLength), kind: 'mmio', label: 'MMIO', attributes: attrs(r.physicalStart) });
  }
  const dispatchOrder: DispatchEntry[] = rt.dispatcher.entries.map((e) => ({
    name: p.driverName(e.driver.fileName), guid: e.driver.fileName,
    status: e.entryStatus !== undefined ? `started (${efiStatusName(e.entryStatus)})` : e.loadStatus !== undefined ? `load failed (${efiStatusName(e.loadStatus)})` : 'never started',
  }));
  const order = new Map(rt.dispatcher.started.map((g, i) => [g, i]));
  dispatchOrder.sort((a, b) => (order.get(a.guid) ?? 1e9) - (order.get(b.guid) ?? 1e9));
  return { events, memoryMap: { regions }, dispatchOrder, policyEntries };
}
