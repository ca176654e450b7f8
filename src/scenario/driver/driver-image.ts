import { writePeAtFixedPoint } from '../../firmware/pe';
import { MMST } from '../../supervisor/broker/ring3-broker-image';
import { CompileContext, emitRoutine } from './action-compiler';
import type { DriverImageSpec } from './driver-action';
import { type AsmLine, assembleLines, DataPool } from './driver-program';

/** Label of the driver entry point (the name edk2's entry-point library gives it). */
export const DRIVER_ENTRY_LABEL = '_ModuleEntryPoint';

/**
 * The assembly of a driver image: the entry point, one routine per MMI handler, the `asm:` blocks and the
 * syscall-flavour library routines; data labels are constants (`equ`) at `dataRva + offset`. Code assembled at
 * origin `textRva` reaches them RIP-relative, so the image is position independent (no base relocations).
 */
export function driverImageSource(spec: DriverImageSpec, dataRva: number): { prefix: string[]; lines: AsmLine[]; data: Uint8Array } {
  const pool = new DataPool();
  const ctx = new CompileContext(pool);
  pool.slot('gImageHandle');
  const entry = DRIVER_ENTRY_LABEL;
  const setup: AsmLine[] = [
    { text: '  mov [rel gImageHandle], rcx' },
    { text: `  mov [rel ${ctx.mmst}], rdx        ; the user MMST the broker registered (supervisor-facts §2.6)` },
  ];
  const check = (what: string) => setup.push({ text: '  test rax, rax' }, { text: `  js ${entry}_return        ; EFI_ERROR (Status) from ${what}` });
  for (const [k, g] of (spec.installs ?? []).entries()) {
    const handle = pool.slot(`gInstallHandle${k}`);
    setup.push(
      { text: `  lea rcx, [rel ${handle}]` }, { text: `  lea rdx, [rel ${pool.guid(g)}]` }, { text: '  xor r8d, r8d        ; EFI_NATIVE_INTERFACE' },
      { text: '  xor r9d, r9d        ; Interface = NULL' }, { text: `  mov rax, [rel ${ctx.mmst}]` },
      { text: `  call [rax + 0x${MMST.installProtocolInterface.toString(16)}]        ; gMmst->MmInstallProtocolInterface` },
    );
    check('MmInstallProtocolInterface');
  }
  for (const [k, h] of (spec.handlers ?? []).entries()) {
    const dispatchHandle = pool.slot(`gDispatchHandle${k}`);
    setup.push(
      { text: `  lea rcx, [rel MmiHandler${k}]` },
      { text: h.guid === null ? '  xor edx, edx        ; root handler' : `  lea rdx, [rel ${pool.guid(h.guid)}]` },
      { text: `  lea r8, [rel ${dispatchHandle}]` }, { text: `  mov rax, [rel ${ctx.mmst}]` },
      { text: `  call [rax + 0x${MMST.mmiHandlerRegister.toString(16)}]        ; gMmst->MmiHandlerRegister(Handler, &HandlerType, &DispatchHandle)` },
    );
    check('MmiHandlerRegister');
  }
  const lines: AsmLine[] = [
    { text: `; ${spec.name} (${spec.guid}): entry point (ImageHandle, MmSystemTable) and MMI handlers` },
    ...emitRoutine(ctx, entry, spec.entry ?? [], setup),
  ];
  for (const [k, h] of (spec.handlers ?? []).entries()) {
    lines.push({ text: `; MMI handler ${h.guid ?? '(root)'}: (DispatchHandle, Context, CommBuffer, CommBufferSize*) → EFI_STATUS` });
    lines.push(...emitRoutine(ctx, `MmiHandler${k}`, h.actions));
  }
  lines.push(...ctx.tail());
  const { bytes, offsets } = pool.layout();
  const prefix = [...offsets].map(([label, off]) => `${label} equ 0x${(dataRva + off).toString(16)}`);
  return { prefix, lines, data: bytes };
}

/**
 * Builds an MM driver as a PE32+ image (`.text` RX with the code, `.data` RW with the data; the loader maps
 * them user RX and user RW + NX, supervisor-facts §2.5). The entry point `(ImageHandle in RCX, MmSystemTable*
 * in RDX)` saves the MMST pointer, installs each `installs` protocol with MMST->MmInstallProtocolInterface,
 * registers each handler with MMST->MmiHandlerRegister, runs the `entry` actions and returns the status (an
 * install or registration error is returned at once). Each handler runs its actions and returns its status.
 * Deterministic: the same spec gives the same bytes.
 */
export function buildDriverImage(spec: DriverImageSpec): Uint8Array {
  const source = `${spec.name}.asm`;
  return writePeAtFixedPoint((dataRva, textRvaOf) => {
    const s = driverImageSource(spec, dataRva);
    const textRva = textRvaOf(s.data);
    const program = assembleLines(s.prefix, s.lines, BigInt(textRva), source);
    return { code: program.bytes, data: s.data, entryOffset: Number(program.labels.get(DRIVER_ENTRY_LABEL)! - BigInt(textRva)) };
  }, spec.name);
}
