/**
 * The named boot milestones (DESIGN.md "When"), in boot order. Reaching a milestone sets `machine.trace.milestone`
 * and performs what happens there; the work between two milestones is tagged with the earlier one:
 * - "PEI": memory discovered, HOB list and comm buffers built (MmCommunicationBufferPei); the IPL has not run yet
 *   (it does its work on the post-shadow invocation, supervisor-facts §1.3.1). PEI unblock requests go here.
 * - "end of PEI": the IPL has run (tagged "PEI"); EndOfPei is signalled (gEfiMmEndOfPeiProtocol MMI).
 * - "DXE": the DXE support and unblock drivers (and the platform's MM communication driver) have started.
 * - "end of DXE": the EndOfDxe event group is signalled.
 * - "ready to lock": the DxeSmmReadyToLock protocol is installed.
 * - "ready to boot": the ReadyToBoot event is signalled.
 * - "exit boot services": ExitBootServices is signalled.
 * - "runtime": the OS runs.
 */
export const MILESTONES = ['PEI', 'end of PEI', 'DXE', 'end of DXE', 'ready to lock', 'ready to boot', 'exit boot services', 'runtime'] as const;
export type Milestone = (typeof MILESTONES)[number];

export function isMilestone(name: string): name is Milestone {
  return (MILESTONES as readonly string[]).includes(name);
}

export function milestoneIndex(m: Milestone | 'power-on'): number {
  return m === 'power-on' ? -1 : MILESTONES.indexOf(m);
}
