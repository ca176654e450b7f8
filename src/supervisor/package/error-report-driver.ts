import { assemble } from '../../asm';
import { writePeAtFixedPoint } from '../../firmware/pe';
import { Syscall } from '../privilege/syscall-dispatcher';
import { TELEMETRY_SIZE } from '../telemetry/telemetry-record';

/** FILE_GUID of MmSupervisorErrorReport (supervisor-facts §0.5). */
export const ERROR_REPORT_FILE_GUID = '930a5e37-9771-4261-9c54-86f821e25b72';

/** Data layout: reports received, CPU of the last report, then a copy of the last MSVT record. */
const DATA = { count: 0, cpu: 8, record: 16, size: 16 + TELEMETRY_SIZE } as const;

function source(dataRva: number): string {
  const d = (off: number) => `0x${(dataRva + off).toString(16)}`;
  return `
; ---- entry point: (ImageHandle, SystemTable) → registers the report routine with SMM_ERR_RPT_JMP ----
entry:
  lea rdx, [rel report]
  mov eax, ${Syscall.ERR_RPT_JMP}
  syscall
  xor eax, eax
  ret

; ---- report(CpuIndex in RCX, MSVT record* in RDX), called at CPL3 by the supervisor (§9.3) ----
report:
  push rsi
  push rdi
  inc qword [rel ${d(DATA.count)}]
  mov [rel ${d(DATA.cpu)}], rcx
  mov rsi, rdx
  lea rdi, [rel ${d(DATA.record)}]
  mov ecx, ${TELEMETRY_SIZE}
  rep movsb
  pop rdi
  pop rsi
  xor eax, eax
  ret
`;
}

/**
 * MmSupervisorErrorReport as real x86-64 code (supervisor-facts §9.3): its entry registers a CPL3 report routine
 * through SMM_ERR_RPT_JMP; the routine keeps a count and a copy of the last telemetry record in its own data
 * section (where a platform driver would forward it to its log).
 */
export function buildErrorReportImage(): Uint8Array {
  const data = new Uint8Array(DATA.size);
  return writePeAtFixedPoint((dataRva, textRvaOf) => {
    const textRva = textRvaOf(data);
    const code = assemble(source(dataRva), { origin: BigInt(textRva), source: 'MmSupervisorErrorReport.asm' });
    return { code: code.bytes, data, entryOffset: Number(code.labels.get('entry')! - BigInt(textRva)) };
  }, 'MmSupervisorErrorReport');
}

/** Offsets inside the driver's data section, for tests and evidence. */
export const ERROR_REPORT_DATA = DATA;
