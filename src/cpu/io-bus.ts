import type { Cpu } from './cpu';

/** Port I/O as seen by a CPU. `size` is 1, 2 or 4 bytes. */
export interface IoBus {
  read(port: number, size: number, cpu: Cpu): number;
  write(port: number, size: number, value: number, cpu: Cpu): void;
}

/** No devices: reads float high (all ones), writes are ignored. */
export const OPEN_BUS: IoBus = {
  read: (_port, size) => (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff),
  write: () => undefined,
};
