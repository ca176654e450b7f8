Feature: Syscall indices, argument checks and the fatal path
  Every syscall index has its checks (supervisor-facts §3.7); an argument that must be a user pointer must lie
  in present user pages above 4 KiB. A failing check is fatal: the call never returns to the driver and, in
  reboot mode, the supervisor raises INT3 (vector 3, telemetry) and warm-resets (§3.8). In these scenarios a
  driver reports a syscall's RAX by writing it to POST port 0x80 with IoWrite32 (SMM_SC_IO_WRITE), which the
  example policy allows.

  Background:
    Given the platform "q35"

  @req:SUPV-049 @req:SUPV-065
  Scenario Outline: Syscall index <index> (<name>) is fatal and never returns to the driver
    Given the MM driver "OddCaller" runs on entry:
      """
      - asm: |
          mov eax, <index>
          xor edx, edx
          xor r8d, r8d
          xor r9d, r9d
          syscall
      - io_write: { port: 0x80, width: 1, value: 0x77 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was <index>
    And the port 0x80 was never written
    And the system is reset

    Examples:
      | index   | name                          |
      | 0x8     | SMM_SC_PROC_READ              |
      | 0x9     | SMM_SC_PROC_WRITE             |
      | 0x10002 | SMM_ALOC_POOL (deprecated)    |
      | 0x10003 | SMM_FREE_POOL (deprecated)    |
      | 0xA     | undefined, after the legacy calls |
      | 0xFFFF  | SMM_SC_LEGACY_MAX marker      |
      | 0x10008 | undefined, in the 0x10008–0x10017 gap |
      | 0x10024 | undefined, past SMM_MM_IS_COMM_BUFF |

  @req:SUPV-065
  Scenario: In reboot mode a fatal syscall raises vector 3 attributed to the supervisor core, then warm-resets
    Given a fatal violation resets the system
    And the MM driver "OddCaller" runs on entry:
      """
      - asm: |
          mov eax, 0x8
          syscall
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the telemetry shows exception type 3
    And the telemetry names the MM driver "MmSupervisorCore"
    And the system is reset

  @req:SUPV-065
  Scenario: In halt mode a fatal syscall hangs the system and never returns to the driver
    Given a fatal violation hangs the system
    And the MM driver "OddCaller" runs on entry:
      """
      - wrmsr: { msr: 0xC0000082, value: 0 }
      - io_write: { port: 0x80, width: 1, value: 0x77 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the port 0x80 was never written
    And the system hangs

  @req:SUPV-050
  Scenario: SMM_ALOC_PAGE issued by a procedure running on an AP is fatal
    # SMM_START_AP_PROC(procedure, CPU 1, argument): a NULL argument would keep the procedure from running (§3.3).
    Given the MM driver "ApAllocator" runs on entry:
      """
      - asm: |
          lea rdx, [rel ap_procedure]
          mov r8d, 1
          lea r9, [rel ap_procedure]
          mov eax, 0x10006
          syscall
          ret
          ap_procedure:
          mov eax, 0x10004
          xor edx, edx
          mov r8d, 6
          mov r9d, 1
          syscall
          ret
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_ALOC_PAGE on CPU 1
    And no pages were allocated with SMM_ALOC_PAGE

  @req:SUPV-050 @req:SUPV-051
  Scenario: SMM_ALOC_PAGE on the BSP with memory type 6 returns MMRAM pages that are user, RW, NX
    Given the MM driver "Allocator" runs on entry:
      """
      - allocate_pages: { pages: 2, type: EfiRuntimeServicesData }
      """
    When the platform boots
    Then the system keeps running
    And the pages allocated with SMM_ALOC_PAGE are "user read-write no-execute" in the MM page table

  @req:SUPV-051
  Scenario: The driver can write its freshly allocated page, but executing it is a page fault
    Given the MM driver "Allocator" runs on entry:
      """
      - asm: |
          mov eax, 0x10004
          xor edx, edx
          mov r8d, 6
          mov r9d, 1
          syscall
          mov byte [rax], 0xC3
          call rax
      """
    When the platform boots
    Then the supervisor stops the system for a "page fault"
    And the system is reset

  @req:SUPV-052
  Scenario Outline: SMM_ALOC_PAGE with memory type <type> is fatal
    Given the MM driver "Allocator" runs on entry:
      """
      - allocate_pages: { pages: 1, type: <type> }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_ALOC_PAGE
    And no pages were allocated with SMM_ALOC_PAGE

    Examples:
      | type                   |
      | EfiRuntimeServicesCode |
      | EfiBootServicesData    |
      | EfiConventionalMemory  |
      | 0                      |

  @req:SUPV-053
  Scenario: Pages the driver allocated can be freed again
    Given the MM driver "Allocator" runs on entry:
      """
      - asm: |
          mov eax, 0x10004
          xor edx, edx
          mov r8d, 6
          mov r9d, 1
          syscall
          mov rdx, rax
          mov r8d, 1
          mov eax, 0x10005
          syscall
      """
    When the platform boots
    Then the system keeps running
    And no pages were allocated with SMM_ALOC_PAGE

  @req:SUPV-053 @req:SUPV-056
  Scenario Outline: SMM_FREE_PAGE of <what> is fatal
    Given the MM driver "Freer" runs on entry:
      """
      - asm: |
          <address>
          mov r8d, <pages>
          mov eax, 0x10005
          syscall
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the fatal syscall was SMM_FREE_PAGE

    Examples:
      | what                                          | address                                   | pages |
      | the save-state page of CPU 0 (supervisor)     | mov rdx, 0x3F80F000                       | 1     |
      | a page below 4 KiB                            | xor edx, edx                              | 1     |
      | unmapped memory outside MMRAM                 | mov rdx, 0x10000000                       | 1     |
      | the driver's own code page (not MM-allocated) | lea rdx, [rel $]                          | 1     |
