import type { Machine } from '../machine';

/** DXE/PEI events the boot flow signals (supervisor-facts §1.3.12, §1.7.5). */
export type FirmwareEvent = 'EndOfPei' | 'EndOfDxe' | 'DxeMmReadyToLock' | 'ReadyToBoot' | 'ExitBootServices';

interface Notification {
  tpl: number;
  order: number;
  owner: string;
  fn: () => void;
}

/** UEFI task priority levels used to order notifications (higher runs first). */
export const TPL_CALLBACK = 8;

/**
 * The PPI and protocol databases and event notifications of the boot firmware, as platform state: installing
 * something records a trace event; notifications run in TPL order (higher first), then registration order.
 */
export class PlatformServices {
  readonly ppis = new Map<string, unknown>();
  readonly protocols = new Map<string, unknown>();
  private readonly notifications = new Map<FirmwareEvent, Notification[]>();
  private seq = 0;
  readonly signalled = new Set<FirmwareEvent>();

  constructor(private readonly machine: Machine) {}

  installPpi(name: string, value: unknown, by: string): void {
    this.ppis.set(name, value);
    this.machine.trace.record('ppi', { name, by });
  }

  installProtocol(name: string, value: unknown, by: string): void {
    this.protocols.set(name, value);
    this.machine.trace.record('protocol', { name, by });
  }

  ppi<T>(name: string): T | undefined {
    return this.ppis.get(name) as T | undefined;
  }

  protocol<T>(name: string): T | undefined {
    return this.protocols.get(name) as T | undefined;
  }

  /** Registers a notification; `tpl` orders callbacks of one event (TPL_CALLBACK − 1 runs after TPL_CALLBACK). */
  register(event: FirmwareEvent, owner: string, fn: () => void, tpl = TPL_CALLBACK): void {
    const list = this.notifications.get(event) ?? [];
    list.push({ tpl, order: this.seq++, owner, fn });
    this.notifications.set(event, list);
  }

  /** Unregisters every notification of `owner` for `event` (CloseEvent). */
  unregister(event: FirmwareEvent, owner: string): void {
    const list = this.notifications.get(event);
    if (list) this.notifications.set(event, list.filter((n) => n.owner !== owner));
  }

  /** Signals an event (or installs the protocol that is the event) and runs its notifications. */
  signal(event: FirmwareEvent): void {
    this.signalled.add(event);
    this.machine.trace.record('event', { name: event });
    const list = [...(this.notifications.get(event) ?? [])].sort((a, b) => b.tpl - a.tpl || a.order - b.order);
    for (const n of list) {
      if (!(this.notifications.get(event) ?? []).includes(n)) continue; // closed by an earlier callback
      n.fn();
    }
  }
}
