Feature: One-time registrations, user pointers, handles and the query syscalls
  The broker and the error-report driver register their trampolines and the user services table once; any
  later attempt is fatal (supervisor-facts §3.7). Pointers handed to the supervisor must be user ranges. The
  query syscalls answer without halting. Drivers report a syscall's RAX on POST port 0x80/0x84/0x88 with
  IoWrite32 (SMM_SC_IO_WRITE, allowed by the example policy).

  Background:
    Given the platform "q35"

  @req:SUPV-054 @req:SUPV-055
  Scenario: The broker and the error-report driver each register once and the boot goes on
    When the platform boots
    Then the system keeps running
    And the syscall SMM_REG_HDL_JMP was made 1 time
    And the syscall SMM_SET_CPL3_TBL was made 1 time
    And the syscall SMM_ERR_RPT_JMP was made 1 time

  @req:SUPV-054
  Scenario Outline: A second <syscall> after the platform's own registration is fatal
    Given the MM driver "Usurper" runs on entry:
      """
      - asm: |
          lea rdx, [rel my_routine]
          lea r8, [rel my_routine]
          mov eax, <index>
          syscall
          ret
          my_routine:
          ret
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was <syscall>, because "already"

    Examples:
      | syscall         | index   |
      | SMM_REG_HDL_JMP | 0x10000 |
      | SMM_ERR_RPT_JMP | 0x1001C |

  @req:SUPV-055
  Scenario: A second SMM_SET_CPL3_TBL with a valid user table pointer is fatal
    # The MMRAM HOB-list copy (SMM_QRY_HOB) is a present user range larger than the services table.
    Given the MM driver "Usurper" runs on entry:
      """
      - asm: |
          mov eax, 0x1001B
          syscall
          mov rdx, rax
          mov eax, 0x10019
          syscall
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_SET_CPL3_TBL, because "already set"

  @req:SUPV-055 @req:SUPV-056
  Scenario: SMM_SET_CPL3_TBL with a table pointer in supervisor memory (the save-state page of CPU 0) is fatal
    Given the MM driver "Usurper" runs on entry:
      """
      - asm: |
          mov rdx, 0x3F80F000
          mov eax, 0x10019
          syscall
      """
    When the platform boots
    Then the page at 0x3F80F000 is "supervisor read-write no-execute" in the MM page table
    And the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_SET_CPL3_TBL, because "not a user-owned range"

  @req:SUPV-056
  Scenario Outline: <syscall> with its pointer argument at <address> (<what>) is fatal
    Given the MM driver "Pointer" runs on entry:
      """
      - asm: |
          mov rdx, <address>
          xor r8d, r8d
          mov r9d, 16
          mov eax, <index>
          syscall
      - io_write: { port: 0x80, width: 1, value: 0x77 }
      """
    When the platform boots
    Then the page at <address> is "<page>" in the MM page table
    And the supervisor stops the system for a "policy violation"
    And the fatal syscall was <syscall>, because "not a user-owned range"
    And the port 0x80 was never written

    Examples:
      | syscall         | index   | address    | what                            | page                                |
      | SMM_REG_HNDL    | 0x10007 | 0x800      | below 4 KiB                     | not present                         |
      | SMM_REG_HNDL    | 0x10007 | 0x10000000 | unmapped memory outside MMRAM   | not present                         |
      | SMM_REG_HNDL    | 0x10007 | 0x3F80FC00 | the save-state page of CPU 0    | supervisor read-write no-execute    |
      | SMM_INST_PROT   | 0x1001A | 0x3FFFE000 | the supervisor core image       | supervisor read-only no-execute     |
      | SMM_INST_PROT   | 0x1001A | 0x10000000 | unmapped memory outside MMRAM   | not present                         |
      | SMM_INST_CONF_T | 0x10001 | 0x3F80FC00 | the save-state page of CPU 0    | supervisor read-write no-execute    |
      | SMM_INST_CONF_T | 0x10001 | 0xFF0      | below 4 KiB                     | not present                         |

  @req:SUPV-057
  Scenario: SMM_REG_HNDL returns a handle that SMM_UNREG_HNDL accepts
    Given the MM driver "Registrar" runs on entry:
      """
      - asm: |
          lea rdx, [rel my_handler]
          xor r8d, r8d
          mov eax, 0x10007
          syscall
          mov rdx, rax
          mov eax, 0x10018
          syscall
          ret
          my_handler:
          xor eax, eax
          ret
      """
    When the platform boots
    Then the system keeps running
    And the syscall SMM_UNREG_HNDL was made 1 time

  @req:SUPV-057
  Scenario: SMM_REG_HNDL hands back a non-zero opaque handle
    Given the MM driver "Registrar" runs on entry:
      """
      - asm: |
          lea rdx, [rel my_handler]
          xor r8d, r8d
          mov eax, 0x10007
          syscall
          mov r9, rax
          mov eax, 4
          mov edx, 0x80
          mov r8d, 2
          syscall
          ret
          my_handler:
          xor eax, eax
          ret
      """
    When the platform boots
    Then the system keeps running
    And the port 0x80 was written with the low 32 bits of a user root MMI handler's handle

  @req:SUPV-057
  Scenario Outline: SMM_UNREG_HNDL of <what> is fatal
    Given the MM driver "Unregistrar" runs on entry:
      """
      - asm: |
          mov rdx, <handle>
          mov eax, 0x10018
          syscall
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_UNREG_HNDL
    And the handle <handle> is <owner>

    Examples:
      | what                                          | handle         | owner                            |
      | an unknown handle                             | 0x1234         | unknown                          |
      | zero                                          | 0x0            | unknown                          |
      | the supervisor's driver-dispatch handler      | 0x4D4D49480040 | a supervisor MMI handler         |

  @req:SUPV-058
  Scenario: SMM_QRY_HOB returns the MMRAM HOB-list copy, which the driver can read
    Given the MM driver "HobReader" runs on entry:
      """
      - asm: |
          mov eax, 0x1001B
          syscall
          push rax
          mov r9, rax
          mov eax, 4
          mov edx, 0x80
          mov r8d, 2
          syscall
          pop rax
          movzx r9d, word [rax]
          mov eax, 4
          mov edx, 0x84
          mov r8d, 2
          syscall
      """
    When the platform boots
    Then the system keeps running
    And the port 0x80 was written with the address of the MMRAM HOB-list copy
    # the first HOB is the PHIT (EFI_HOB_TYPE_HANDOFF = 1)
    And the port 0x84 was written with 0x1

  @req:SUPV-059 @req:SUPV-060
  Scenario Outline: SMM_MM_UNBLOCKED(<address>, <length>) is <answer>: <why>
    Given PEI asks to unblock 0x1000 bytes at 0x10000000
    And PEI asks to unblock 0x1000 bytes at 0x10001000
    And the MM driver "BufferCheck" runs on entry:
      """
      - asm: |
          mov rdx, <address>
          mov r8, <length>
          mov eax, 0x10022
          syscall
          mov r9, rax
          mov eax, 4
          mov edx, 0x80
          mov r8d, 2
          syscall
      """
    When the platform boots
    Then the system keeps running
    And the port 0x80 was written with <answer>

    Examples:
      | address    | length | answer | why                                           |
      | 0x10000000 | 0x1000 | 1      | exactly one unblocked entry                   |
      | 0x10001800 | 0x10   | 1      | inside the second entry                       |
      | 0x10000F00 | 0x200  | 0      | spans two adjacent unblocked entries          |
      | 0x10002000 | 0x10   | 0      | never unblocked                               |
      | 0x3F800000 | 0x10   | 0      | inside MMRAM                                  |
      | 0x3F7FFFF0 | 0x20   | 0      | overlaps the start of MMRAM                   |
      | 0x3FFFFFF0 | 0x20   | 0      | overlaps the end of MMRAM                     |

  @req:SUPV-060
  Scenario Outline: SMM_MM_UNBLOCKED is 0 for the <buffer> comm buffer, which is mapped but is no unblocked entry
    # During PEI the comm buffers are the ones MmCommunicationBufferPei allocated in PEI memory (q35: 0xFFD4000 and
    # 0xFFE5000); DXE later moves them with COMM_UPDATE.
    Given the MM driver "BufferCheck" runs on entry:
      """
      - asm: |
          mov rdx, <address>
          mov r8, 0x10
          mov eax, 0x10022
          syscall
          mov r9, rax
          mov eax, 4
          mov edx, 0x80
          mov r8d, 2
          syscall
      """
    When the platform boots to "end of PEI"
    Then the page at <address> is "supervisor read-write no-execute" in the MM page table
    And the system keeps running
    And the port 0x80 was written with 0

    Examples:
      | buffer     | address    |
      | user       | 0xFFD4000  |
      | supervisor | 0xFFE5000  |

  @req:SUPV-061
  Scenario: SMM_MM_IS_COMM_BUFF says 0 for the MMRAM copy of the user comm buffer and EFI_SECURITY_VIOLATION elsewhere
    # A user MMI handler is called with (DispatchHandle, Context, CommBuffer, CommBufferSize): R8 is the payload
    # inside the MMRAM copy of the user comm buffer.
    Given the MM driver "CommCheck" handles MMI "gScenarioCommCheckGuid" with:
      """
      - asm: |
          mov [rsp + 8], r8
          mov rdx, r8
          mov r8d, 16
          mov eax, 0x10023
          syscall
          mov r9, rax
          mov eax, 4
          mov edx, 0x80
          mov r8d, 2
          syscall
          mov rdx, 0x10000000
          mov r8d, 16
          mov eax, 0x10023
          syscall
          mov r9, rax
          mov eax, 4
          mov edx, 0x84
          mov r8d, 2
          syscall
          mov rdx, [rsp + 8]
          mov r8d, 16
          mov eax, 0x10023
          syscall
          shr rax, 32
          mov r9, rax
          mov eax, 4
          mov edx, 0x88
          mov r8d, 2
          syscall
      """
    When the platform boots
    And DXE sends MMI "gScenarioCommCheckGuid" on the user channel with data "00112233445566778899AABBCCDDEEFF"
    Then the system keeps running
    And the port 0x80 was written with 0x0
    And the port 0x84 was written with 0x1A
    And the port 0x88 was written with 0x0

  @req:SUPV-062
  Scenario Outline: A save-state read of register <register> on CPU <cpu> is fatal in SMM_SC_SVST_READ
    Given the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: <register>, cpu: <cpu>, width: 8 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_SC_SVST_READ

    Examples:
      | register | cpu |
      | 515      | 0   |
      | 0xFFFF   | 0   |
      | 38       | 2   |
      | 514      | 7   |

  @req:SUPV-062 @req:SUPV-067
  Scenario: The last register (PROCESSOR_ID, 514) of the last CPU (1) passes SMM_SC_SVST_READ
    Given the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: PROCESSOR_ID, cpu: 1, width: 8 }
      """
    When the platform boots
    Then the system keeps running
    And the entry point of the MM driver "StateReader" returned EFI_SUCCESS

  @req:SUPV-063
  Scenario: SMM_SC_SVST_READ_2 without a matching SMM_SC_SVST_READ returns EFI_NOT_STARTED and the driver goes on
    Given the MM driver "StateReader" runs on entry:
      """
      - asm: |
          mov rdx, 0x1234
          mov r8d, 8
          lea r9, [rsp - 0x100]
          mov eax, 0x10021
          syscall
          mov r9, rax
          mov eax, 4
          mov edx, 0x80
          mov r8d, 2
          syscall
      """
    When the platform boots
    Then the system keeps running
    # EFI_NOT_STARTED = 0x8000000000000013
    And the port 0x80 was written with 0x13

  @req:SUPV-064 @req:SUPV-056
  Scenario Outline: SMM_SC_SVST_READ_2 into <what> is fatal
    Given the MM driver "StateReader" runs on entry:
      """
      - asm: |
          mov rdx, 0x1234
          mov r8d, 8
          mov r9, <buffer>
          mov eax, 0x10021
          syscall
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_SC_SVST_READ_2, because "not a user-owned range"

    Examples:
      | what                          | buffer     |
      | the supervisor core image     | 0x3FFFE000 |
      | the save-state page of CPU 0  | 0x3F80FC00 |
      | unmapped memory outside MMRAM | 0x10000000 |
      | page 0                        | 0x8        |
